package main

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopstream/shopstream/eventstore"
	ddbstore "github.com/shopstream/shopstream/eventstore/dynamodb"
	"github.com/shopstream/shopstream/internal/catalog"
	"github.com/shopstream/shopstream/internal/domain"
	"github.com/shopstream/shopstream/internal/httpapi"
	"github.com/shopstream/shopstream/internal/testutil/cursortest"
	"github.com/shopstream/shopstream/internal/testutil/localdynamo"
	"github.com/shopstream/shopstream/internal/testutil/shoptest"
)

// itemCounter passes every call to the real DynamoDB client and counts the
// items its Queries return: what a request read from the store.
type itemCounter struct {
	*ddb.Client
	items atomic.Int64
}

func (c *itemCounter) Query(ctx context.Context, in *ddb.QueryInput, opts ...func(*ddb.Options)) (*ddb.QueryOutput, error) {
	out, err := c.Client.Query(ctx, in, opts...)
	if err == nil {
		c.items.Add(int64(len(out.Items)))
	}
	return out, err
}

var auditTables atomic.Int64

// auditStore returns the DynamoDB event store on a fresh table of the
// local DynamoDB, and the counter of the items its queries read.
func auditStore(t *testing.T) (*ddbstore.Store, *itemCounter) {
	t.Helper()
	client := &itemCounter{Client: localdynamo.Client(t)}
	name := fmt.Sprintf("audit-events-%d", auditTables.Add(1))
	ctx := context.Background()
	if err := ddbstore.CreateTable(ctx, client.Client, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := client.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("delete table %s: %v", name, err)
		}
	})
	return ddbstore.New(client, name), client
}

// auditPage is what GET /audit/{streamId} answers.
type auditPage struct {
	versions   []int64
	nextFrom   any
	nextCursor string
}

func getAudit(t *testing.T, a *API, path string) (int, auditPage, map[string]any) {
	t.Helper()
	code, body := do(t, a, path)
	var p auditPage
	if code != 200 {
		return code, p, body
	}
	for _, e := range body["events"].([]any) {
		p.versions = append(p.versions, int64(e.(map[string]any)["version"].(float64)))
	}
	p.nextFrom = body["nextFrom"]
	p.nextCursor, _ = body["nextCursor"].(string)
	return code, p, body
}

// Issue 13: /audit/{stream}?limit=1 loaded the entire stream and cut it.
// Each request now reads one page from the store (at most limit+1 items,
// the extra one telling whether more follow), and pages on with the
// cursor or nextFrom it returns.
func TestAuditReadsOnePage(t *testing.T) {
	store, reads := auditStore(t)
	r := shoptest.RunnerOn(store)
	shoptest.CreateProduct(t, r, "mug", "Mug", 500, "EUR", 1) // versions 1, 2
	for range 23 {
		shoptest.RunProduct(t, r, "mug", func(p *catalog.Product) ([]domain.Event, error) { return p.AddStock(1) })
	}
	const total = 25
	a := &API{Events: store, Cursors: shoptest.Cursors}
	stream := catalog.StreamID("mug")

	var seen []int64
	path := "/audit/" + stream + "?limit=10"
	for page := 1; ; page++ {
		reads.items.Store(0)
		code, p, body := getAudit(t, a, path)
		if code != 200 {
			t.Fatalf("GET %s: %d %v", path, code, body)
		}
		if n := reads.items.Load(); n > 11 {
			t.Errorf("GET %s read %d items from the store, want at most limit+1 = 11", path, n)
		}
		seen = append(seen, p.versions...)
		if p.nextCursor == "" {
			if p.nextFrom != nil || page != 3 {
				t.Fatalf("page %d ends the stream with nextFrom %v, want null on page 3", page, p.nextFrom)
			}
			break
		}
		if want := float64(seen[len(seen)-1] + 1); p.nextFrom != want {
			t.Fatalf("page %d: nextFrom %v, want %v", page, p.nextFrom, want)
		}
		path = "/audit/" + stream + "?limit=10&cursor=" + url.QueryEscape(p.nextCursor)
	}
	if len(seen) != total {
		t.Fatalf("paging saw versions %v, want 1..%d", seen, total)
	}
	for i, v := range seen {
		if v != int64(i+1) {
			t.Fatalf("paging saw versions %v, want 1..%d in order", seen, total)
		}
	}

	for _, tt := range []struct {
		query    string
		versions []int64
		nextFrom any
	}{
		{"?limit=1", []int64{1}, float64(2)},
		{"?from=11&limit=3", []int64{11, 12, 13}, float64(14)},
		{"?from=23&limit=3", []int64{23, 24, 25}, nil}, // exactly what is left
		{"?from=24&limit=5", []int64{24, 25}, nil},
		{"?from=26", nil, nil}, // beyond the end: an empty page, not 404
	} {
		reads.items.Store(0)
		code, p, body := getAudit(t, a, "/audit/"+stream+tt.query)
		if code != 200 || fmt.Sprint(p.versions) != fmt.Sprint(tt.versions) || p.nextFrom != tt.nextFrom || (tt.nextFrom == nil) != (p.nextCursor == "") {
			t.Errorf("GET %s: %d versions %v nextFrom %v nextCursor %q, want %v and %v", tt.query, code, p.versions, p.nextFrom, p.nextCursor, tt.versions, tt.nextFrom)
			t.Log(body)
		}
		if n := reads.items.Load(); n > int64(len(tt.versions))+1 {
			t.Errorf("GET %s read %d items from the store, want at most %d", tt.query, n, len(tt.versions)+1)
		}
	}
}

// A cursor pages only the stream it was issued for, and says where the
// page starts: it may not come with ?from=.
func TestAuditCursorsAreCheckedAgainstTheirStream(t *testing.T) {
	store, _ := auditStore(t)
	r := shoptest.RunnerOn(store)
	shoptest.CreateProduct(t, r, "mug", "Mug", 500, "EUR", 1)
	shoptest.CreateProduct(t, r, "cup", "Cup", 300, "EUR", 1)
	a := &API{Events: store, Cursors: shoptest.Cursors}
	get := func(t *testing.T, path string) (int, map[string]any) { return do(t, a, path) }
	mug := url.QueryEscape(cursortest.Next(t, get, "/audit/"+catalog.StreamID("mug")+"?limit=1"))
	orders := orderListCursor(t)

	cursortest.Run(t, get, []cursortest.Case{
		{Name: "same stream", Path: "/audit/" + catalog.StreamID("mug") + "?limit=1&cursor=" + mug, Want: 200},
		{Name: "another stream", Path: "/audit/" + catalog.StreamID("cup") + "?cursor=" + mug, Want: 400},
		{Name: "another listing's cursor", Path: "/audit/" + catalog.StreamID("mug") + "?cursor=" + url.QueryEscape(orders), Want: 400},
		{Name: "garbled", Path: "/audit/" + catalog.StreamID("mug") + "?cursor=%C3%A9t%C3%A9", Want: 400},
	})
	code, body := do(t, a, "/audit/"+catalog.StreamID("mug")+"?from=1&cursor="+mug)
	if code != 400 || field(body) != "cursor" {
		t.Fatalf("cursor with from: %d %v, want 400 on cursor", code, body)
	}
}

// orderListCursor seals a position of GET /order, a listing the audit
// route must not accept cursors of.
func orderListCursor(t *testing.T) string {
	t.Helper()
	c, err := shoptest.Cursors.Seal(httpapi.Scope("GET /order"), "2")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The audit route asks the store for no more than the store serves.
func TestAuditLimitIsTheStoresLimit(t *testing.T) {
	store, _ := auditStore(t)
	shoptest.CreateProduct(t, shoptest.RunnerOn(store), "mug", "Mug", 500, "EUR", 1)
	a := &API{Events: store, Cursors: shoptest.Cursors}
	stream := catalog.StreamID("mug")
	if code, body := do(t, a, fmt.Sprintf("/audit/%s?limit=%d", stream, eventstore.MaxLoadLimit)); code != 200 {
		t.Fatalf("limit=%d: %d %v", eventstore.MaxLoadLimit, code, body)
	}
	for _, bad := range []string{"0", "-1", fmt.Sprint(eventstore.MaxLoadLimit + 1), "x"} {
		if code, body := do(t, a, "/audit/"+stream+"?limit="+bad); code != 400 || field(body) != "limit" {
			t.Errorf("limit=%s: %d %v, want 400 on limit", bad, code, body)
		}
	}
}
