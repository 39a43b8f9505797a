package dynamodb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopstream/shopstream/emulator/awsapi"
	"github.com/shopstream/shopstream/emulator/dynamodb/attr"
	"github.com/shopstream/shopstream/emulator/dynamodb/expr"
	"github.com/shopstream/shopstream/emulator/state"
)

// Target prefixes and the error type prefix the services answer with.
const (
	TargetDynamoDB = "DynamoDB_20120810"
	TargetStreams  = "DynamoDBStreams_20120810"
	typePrefix     = "com.amazonaws.dynamodb.v20120810#"
)

var arnPrefix = "arn:aws:dynamodb:" + awsapi.Region + ":" + awsapi.AccountID + ":"

// Bucket names in the shared store.
const (
	bucketTables = "dynamodb/tables"
	bucketMeta   = "dynamodb/meta"
	itemsPrefix  = "dynamodb/items/"
	streamPrefix = "dynamodb/stream/"
)

// Service is the local DynamoDB and DynamoDB Streams.
type Service struct {
	mu     sync.RWMutex
	db     *state.DB
	clock  func() time.Time
	tables map[string]*table
	seq    uint64 // last stream sequence number handed out
	tokens tokens // TransactWriteItems idempotency tokens
	ops    map[string]func(body []byte) (any, error)
	sops   map[string]func(body []byte) (any, error)
}

// New returns a Service over db, loading the tables, items and stream
// records a previous run stored there. clock stamps creation times and
// stream records (nil means time.Now).
func New(db *state.DB, clock func() time.Time) (*Service, error) {
	if clock == nil {
		clock = time.Now
	}
	s := &Service{db: db, clock: clock, tables: map[string]*table{}, tokens: tokens{}}
	s.ops = map[string]func([]byte) (any, error){
		"CreateTable": s.createTable, "DescribeTable": s.describeTable, "ListTables": s.listTables,
		"DeleteTable": s.deleteTable, "UpdateTable": s.updateTable, "DescribeTimeToLive": s.describeTTL,
		"PutItem": s.putItem, "GetItem": s.getItem, "UpdateItem": s.updateItem, "DeleteItem": s.deleteItem,
		"Query": s.query, "Scan": s.scan, "BatchGetItem": s.batchGet, "BatchWriteItem": s.batchWrite,
		"TransactWriteItems": s.transactWrite, "TransactGetItems": s.transactGet,
		"DescribeEndpoints": s.describeEndpoints,
	}
	s.sops = map[string]func([]byte) (any, error){
		"ListStreams": s.listStreams, "DescribeStream": s.describeStream,
		"GetShardIterator": s.getShardIterator, "GetRecords": s.getRecords,
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("dynamodb: load state: %w", err)
	}
	if err := s.trimStreams(); err != nil {
		return nil, fmt.Errorf("dynamodb: trim streams: %w", err)
	}
	return s, nil
}

// Register serves DynamoDB and DynamoDB Streams on srv.
func (s *Service) Register(srv *awsapi.Server) {
	srv.Register(TargetDynamoDB, "1.0", typePrefix, s.handler(s.ops))
	srv.Register(TargetStreams, "1.0", typePrefix, s.handler(s.sops))
	srv.Handle("GET "+CapacityPath, http.HandlerFunc(s.serveCapacity))
}

func (s *Service) handler(ops map[string]func([]byte) (any, error)) awsapi.Handler {
	return func(ctx context.Context, op string, body []byte) (any, error) {
		f, ok := ops[op]
		if !ok {
			return nil, &awsapi.Error{Type: "UnknownOperationException", Message: "Unknown operation " + op, Status: http.StatusBadRequest}
		}
		if err := s.authorize(ctx, op, body); err != nil {
			return nil, err
		}
		out, err := f(body)
		if err != nil {
			return nil, toAPIError(err)
		}
		return out, nil
	}
}

// toAPIError turns validation failures from the attr and expr packages
// into ValidationExceptions; API errors pass through.
func toAPIError(err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		return ae
	}
	var ee *expr.Error
	if errors.As(err, &ee) {
		return validation("%s", ee.Msg)
	}
	var ve attr.Error
	if errors.As(err, &ve) {
		return validation("%s", ve.Error())
	}
	return err
}

func validation(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("ValidationException", format, args...)
}

func notFound() *awsapi.Error {
	return awsapi.Errorf("ResourceNotFoundException", "Requested resource not found")
}

// errConditionFailed is ConditionalCheckFailedException's message.
const errConditionFailed = "The conditional request failed"

// decode unmarshals a request body; malformed JSON or attribute values are
// a SerializationException or ValidationException like AWS's.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se), errors.As(err, &te):
			return awsapi.Errorf("SerializationException", "%s", err.Error())
		}
		return validation("%s", err.Error())
	}
	return nil
}

// table returns the named table or ResourceNotFoundException.
func (s *Service) table(name string) (*table, error) {
	if name == "" {
		return nil, validation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	t := s.tables[name]
	if t == nil {
		return nil, notFound()
	}
	return t, nil
}

func seqKey(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

// load reads persisted tables, items and stream records.
func (s *Service) load() error {
	return s.db.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket([]byte(bucketMeta)); m != nil {
			if v := m.Get([]byte("seq")); len(v) == 8 {
				s.seq = binary.BigEndian.Uint64(v)
			}
		}
		tb := tx.Bucket([]byte(bucketTables))
		if tb == nil {
			return nil
		}
		return tb.ForEach(func(name, raw []byte) error {
			var def tableDef
			if err := json.Unmarshal(raw, &def); err != nil {
				return fmt.Errorf("table %s: %w", name, err)
			}
			t, err := newTable(def)
			if err != nil {
				return fmt.Errorf("table %s: %w", name, err)
			}
			if ib := tx.Bucket([]byte(itemsPrefix + def.TableName)); ib != nil {
				err := ib.ForEach(func(k, v []byte) error {
					var item attr.Item
					if err := json.Unmarshal(v, &item); err != nil {
						return fmt.Errorf("item %q: %w", k, err)
					}
					t.apply(string(k), nil, item)
					return nil
				})
				if err != nil {
					return fmt.Errorf("table %s: %w", name, err)
				}
			}
			if def.Stream.StreamEnabled {
				t.stream = newStream(t)
				if sb := tx.Bucket([]byte(streamPrefix + def.TableName)); sb != nil {
					if v := sb.Get(trimmedKey); len(v) == 8 {
						t.stream.trimmed = binary.BigEndian.Uint64(v)
					}
					err := sb.ForEach(func(k, v []byte) error {
						if len(k) != 8 {
							return nil
						}
						var r StreamRecord
						if err := json.Unmarshal(v, &r); err != nil {
							return err
						}
						t.stream.records = append(t.stream.records, r)
						return nil
					})
					if err != nil {
						return fmt.Errorf("table %s stream: %w", name, err)
					}
				}
			}
			s.tables[def.TableName] = t
			return nil
		})
	})
}

// write is one item change inside a commit.
type write struct {
	t        *table
	tk       string
	old, new attr.Item
}

// commit applies writes to memory, appends their stream records and
// persists both in one bbolt transaction. Callers hold s.mu for writing
// and have validated every write; nothing here fails on bad input.
func (s *Service) commit(writes []write) error {
	now := s.clock()
	type rec struct {
		t *table
		r StreamRecord
	}
	var recs []rec
	for _, w := range writes {
		// Writes that change nothing leave no stream record, as in AWS.
		if w.t.stream == nil || (w.old == nil && w.new == nil) || (w.old != nil && w.new != nil && sameItem(w.old, w.new)) {
			continue
		}
		s.seq++
		recs = append(recs, rec{w.t, w.t.stream.record(s.seq, now, w.old, w.new)})
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, w := range writes {
			b, err := tx.CreateBucketIfNotExists([]byte(itemsPrefix + w.t.def.TableName))
			if err != nil {
				return err
			}
			if w.new == nil {
				if err := b.Delete([]byte(w.tk)); err != nil {
					return err
				}
				continue
			}
			if err := b.Put([]byte(w.tk), attr.MarshalItem(w.new)); err != nil {
				return err
			}
		}
		if len(recs) == 0 {
			return nil
		}
		for _, r := range recs {
			b, err := tx.CreateBucketIfNotExists([]byte(streamPrefix + r.t.def.TableName))
			if err != nil {
				return err
			}
			raw, err := json.Marshal(r.r)
			if err != nil {
				return err
			}
			if err := b.Put(seqKey(r.r.seq), raw); err != nil {
				return err
			}
			if err := r.t.stream.trim(b, now); err != nil {
				return err
			}
		}
		m, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		return m.Put([]byte("seq"), seqKey(s.seq))
	})
	if err != nil {
		return fmt.Errorf("dynamodb: persist: %w", err)
	}
	for _, w := range writes {
		w.t.apply(w.tk, w.old, w.new)
	}
	for _, r := range recs {
		r.t.stream.append(r.r)
	}
	return nil
}

// saveTable persists a table definition (and creates its buckets).
func (s *Service) saveTable(t *table) error {
	raw, err := json.Marshal(t.def)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucketTables))
		if err != nil {
			return err
		}
		return b.Put([]byte(t.def.TableName), raw)
	})
}

// dropTable removes a table's persisted state.
func (s *Service) dropTable(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucketTables)); b != nil {
			if err := b.Delete([]byte(name)); err != nil {
				return err
			}
		}
		for _, p := range []string{itemsPrefix, streamPrefix} {
			if tx.Bucket([]byte(p+name)) != nil {
				if err := tx.DeleteBucket([]byte(p + name)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// TableNames lists the tables in name order (for the runtime's banner).
func (s *Service) TableNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.tables))
	for n := range s.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (s *Service) describeEndpoints([]byte) (any, error) {
	return map[string]any{"Endpoints": []any{map[string]any{"Address": "dynamodb." + awsapi.Region + ".amazonaws.com", "CachePeriodInMinutes": 1440}}}, nil
}

func sameItem(a, b attr.Item) bool {
	return attr.Equal(attr.Value{T: attr.M, M: a}, attr.Value{T: attr.M, M: b})
}

// trimStreams drops records past Retention left by an earlier run.
func (s *Service) trimStreams() error {
	now := s.clock()
	return s.db.Update(func(tx *bolt.Tx) error {
		for name, t := range s.tables {
			if t.stream == nil {
				continue
			}
			b, err := tx.CreateBucketIfNotExists([]byte(streamPrefix + name))
			if err != nil {
				return err
			}
			if err := t.stream.trim(b, now); err != nil {
				return err
			}
		}
		return nil
	})
}
