package sample

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCatalogIsValid(t *testing.T) {
	ps, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 5 {
		t.Fatalf("%d sample products", len(ps))
	}
	for _, p := range ps {
		if p.Name == "" || p.Category == "" || p.Price <= 0 || len(p.Currency) != 3 || p.Stock < 1 {
			t.Fatalf("invalid sample product %+v", p)
		}
	}
}

func TestLoadPostsEveryProduct(t *testing.T) {
	var got []Product
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" && r.URL.Path == "/dev/product" {
			if len(got) == 0 {
				_, _ = w.Write([]byte(`{"items":[]}`))
			} else {
				_, _ = w.Write([]byte(`{"items":[{"id":"px"}]}`))
			}
			return
		}
		if r.Header.Get("Authorization") != "admin-token" {
			http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if r.Method != "POST" || r.URL.Path != "/dev/product" {
			http.Error(w, "wrong route "+r.URL.Path, 404)
			return
		}
		var p Product
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		got = append(got, p)
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"id":"p` + strings.Repeat("x", len(got)) + `"}`))
	}))
	defer ts.Close()
	ids, err := Load(context.Background(), ts.Client(), ts.URL+"/dev/", "admin-token")
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := Catalog()
	if len(ids) != len(ps) || len(got) != len(ps) || got[0] != ps[0] {
		t.Fatalf("loaded %d (%v), posted %d", len(ids), ids, len(got))
	}
	// A second load finds the catalog filled and creates nothing.
	if ids, err := Load(context.Background(), ts.Client(), ts.URL+"/dev/", "admin-token"); err != nil || len(ids) != 0 || len(got) != len(ps) {
		t.Fatalf("second load: %v %v, %d posted", ids, err, len(got))
	}
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"invalid_field"}}`, 400)
	}))
	defer failing.Close()
	if _, err := Load(context.Background(), failing.Client(), failing.URL, "admin-token"); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("failing API: %v", err)
	}
}
