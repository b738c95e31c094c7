// Package redis is the Redis sink. It copies the account views of the
// views processor (the changelog of views-table) to one Redis string per
// account, fintra:view:account:<account_id>, holding the view's JSON form
// as the processor stored it. A batch is one pipeline of EVALSHA calls of a
// script that writes a view only if its version is above the stored one, so
// a replay or a late batch never moves a view back and writing a batch
// twice changes nothing.
package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/sinks"
)

// Options configures a Sink. The zero value is the production setup.
type Options struct {
	// Topic is the changelog whose records (views.View as JSON) the sink
	// writes. Default views-table.
	Topic string
	// KeyPrefix is put before the account id to make the Redis key.
	// Default "fintra:view:account:".
	KeyPrefix string
}

func (o *Options) setDefaults() {
	if o.Topic == "" {
		o.Topic = string(views.Table)
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = "fintra:view:account:"
	}
}

// Validate lists every problem of the options.
func (o Options) Validate() error {
	var errs []error
	if strings.ContainsAny(o.KeyPrefix, "*?[]\\") {
		// The prefix must be usable as a SCAN MATCH pattern as it is.
		errs = append(errs, fmt.Errorf("redis: key prefix %q contains a glob character (*?[]\\)", o.KeyPrefix))
	}
	if strings.ContainsAny(o.KeyPrefix, " \t\r\n") {
		errs = append(errs, fmt.Errorf("redis: key prefix %q contains white space", o.KeyPrefix))
	}
	return errors.Join(errs...)
}

// setIfNewer writes the view (ARGV[2]) at KEYS[1] unless the stored view's
// version is at least ARGV[1]. The stored version is read from the stored
// JSON itself, so the key is all there is: no sibling key to keep in step.
// The first "version": in a view is its own (no nested object of a view has
// that key, and a quote inside a JSON string is always escaped), so a
// pattern finds it without decoding the whole view; cjson is the fallback.
// A stored value that is not a view is replaced. Returns 1 if written.
const setIfNewer = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '"version":(%d+)'))
  if not v then
    local ok, doc = pcall(cjson.decode, cur)
    if ok and type(doc) == 'table' then v = tonumber(doc['version']) end
  end
  if v and v >= tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`

// Sink is the Redis sink. Write is not safe for concurrent use; the runner
// calls it from one goroutine.
type Sink struct {
	client *goredis.Client
	opts   Options
	log    *slog.Logger
	script *goredis.Script
}

var _ sinks.Sink = (*Sink)(nil)

// Open connects to url (redis://host:port/db), checks the server answers
// and loads the script.
func Open(ctx context.Context, url string, log *slog.Logger, opts Options) (*Sink, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	ropts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	s := &Sink{client: goredis.NewClient(ropts), opts: opts, log: log, script: goredis.NewScript(setIfNewer)}
	if err := s.script.Load(ctx, s.client).Err(); err != nil {
		s.client.Close()
		return nil, fmt.Errorf("redis: load script: %w", err)
	}
	log.Info("redis sink ready", "addr", ropts.Addr, "db", ropts.DB, "topic", opts.Topic, "key_prefix", opts.KeyPrefix)
	return s, nil
}

// Name is "redis".
func (s *Sink) Name() string { return "redis" }

// Close closes the connections.
func (s *Sink) Close() error { return s.client.Close() }

// Key is the Redis key of an account's view.
func (s *Sink) Key(accountID string) string { return s.opts.KeyPrefix + accountID }

// op is what a batch does to one key: delete it first (a tombstone), then
// write the newest view the batch holds for it.
type op struct {
	key     string
	del     bool
	version uint64
	value   []byte
}

// Write writes the batch in one pipeline. Records that cannot be decoded
// are returned in a *sinks.RejectedError after the rest is written; a
// connection or server error is returned as is, for the runner to retry
// the batch.
func (s *Sink) Write(ctx context.Context, batch []*kgo.Record) error {
	ops, rejected := s.plan(batch)
	if err := s.exec(ctx, ops); err != nil {
		return fmt.Errorf("redis: write %d views: %w", len(ops), err)
	}
	if len(rejected.Records) > 0 {
		return &rejected
	}
	return nil
}

// plan reduces the batch to at most one delete and one write per key, in
// the order the keys first appear.
func (s *Sink) plan(batch []*kgo.Record) ([]*op, sinks.RejectedError) {
	var (
		rejected sinks.RejectedError
		ops      []*op
		byKey    = map[string]*op{}
	)
	get := func(key string) *op {
		o := byKey[key]
		if o == nil {
			o = &op{key: key}
			byKey[key] = o
			ops = append(ops, o)
		}
		return o
	}
	for _, r := range batch {
		if r.Topic != s.opts.Topic {
			rejected.Records = append(rejected.Records, sinks.Rejected{Record: r, Reason: fmt.Errorf("redis: no key space for topic %q", r.Topic)})
			continue
		}
		if r.Value == nil {
			if len(r.Key) == 0 {
				rejected.Records = append(rejected.Records, sinks.Rejected{Record: r, Reason: errors.New("redis: tombstone without a key")})
				continue
			}
			// A tombstone: goka deleted the account's view. Its version
			// counter restarts from 1 after that, so the delete is
			// unconditional, and earlier views of this batch are moot.
			o := get(s.Key(string(r.Key)))
			o.del, o.version, o.value = true, 0, nil
			continue
		}
		id, version, err := decode(r)
		if err != nil {
			rejected.Records = append(rejected.Records, sinks.Rejected{Record: r, Reason: err})
			continue
		}
		if o := get(s.Key(id)); version > o.version {
			o.version, o.value = version, r.Value
		}
	}
	return ops, rejected
}

// head is the part of a view the sink reads.
type head struct {
	AccountID string          `json:"account_id"`
	Version   uint64          `json:"version"`
	Balances  json.RawMessage `json:"balances"`
}

// decode checks that a record is a view and reads what the sink needs.
func decode(r *kgo.Record) (accountID string, version uint64, err error) {
	h, ok := readHead(r.Value)
	if !ok {
		// Not in the views codec's field order, or not JSON: decode it all
		// (which also says what is wrong).
		h = head{}
		if err := json.Unmarshal(r.Value, &h); err != nil {
			return "", 0, fmt.Errorf("redis: undecodable view: %w", err)
		}
	} else if !json.Valid(r.Value) {
		return "", 0, errors.New("redis: undecodable view: not valid JSON")
	}
	var errs []error
	if h.AccountID == "" {
		errs = append(errs, errors.New("redis: view without account_id"))
	} else if len(r.Key) > 0 && string(r.Key) != h.AccountID {
		errs = append(errs, fmt.Errorf("redis: view of account %q under key %q", h.AccountID, r.Key))
	}
	if h.Version == 0 {
		errs = append(errs, errors.New("redis: view without version"))
	}
	if len(h.Balances) == 0 || h.Balances[0] != '[' {
		errs = append(errs, errors.New("redis: view without a balances array"))
	}
	return h.AccountID, h.Version, errors.Join(errs...)
}

// readHead reads account_id, version and the start of balances from the
// leading fields the views codec writes, without decoding the transactions
// that make up most of a view (json.Unmarshal of the whole view was half
// of a batch's time). ok is false if the fields are not where the codec
// puts them.
func readHead(value []byte) (h head, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return h, false
	}
	for range 4 {
		t, err := dec.Token()
		if err != nil {
			return h, false
		}
		key, _ := t.(string)
		if t, err = dec.Token(); err != nil {
			return h, false
		}
		switch key {
		case "account_id":
			if h.AccountID, ok = t.(string); !ok {
				return h, false
			}
		case "version":
			n, isNum := t.(json.Number)
			if !isNum {
				return h, false
			}
			if h.Version, err = strconv.ParseUint(string(n), 10, 64); err != nil {
				return h, false
			}
		case "sequence":
		case "balances":
			if t != json.Delim('[') {
				return h, false
			}
			h.Balances = json.RawMessage("[")
			return h, h.AccountID != "" && h.Version > 0
		default:
			return h, false
		}
	}
	return h, false
}

// exec sends the ops in one pipeline with EVALSHA. If the server lost the
// script (a restart, SCRIPT FLUSH), it loads it again and sends the whole
// pipeline again with EVAL: every op is idempotent.
func (s *Sink) exec(ctx context.Context, ops []*op) error {
	if len(ops) == 0 {
		return nil
	}
	err := s.pipeline(ctx, ops, true)
	if !isNoScript(err) {
		return err
	}
	s.log.Info("redis lost the script; sending the batch with EVAL and loading it again")
	if err := s.pipeline(ctx, ops, false); err != nil {
		return err
	}
	return s.script.Load(ctx, s.client).Err()
}

func (s *Sink) pipeline(ctx context.Context, ops []*op, sha bool) error {
	pipe := s.client.Pipeline()
	for _, o := range ops {
		if o.del {
			pipe.Del(ctx, o.key)
		}
		if o.value == nil {
			continue
		}
		keys, args := []string{o.key}, []any{strconv.FormatUint(o.version, 10), o.value}
		if sha {
			s.script.EvalSha(ctx, pipe, keys, args...)
		} else {
			s.script.Eval(ctx, pipe, keys, args...)
		}
	}
	cmds, err := pipe.Exec(ctx)
	if err == nil {
		return nil
	}
	// Exec reports the first failed command; a missing script fails
	// every EVALSHA, so look for it among all of them.
	for _, c := range cmds {
		if isNoScript(c.Err()) {
			return c.Err()
		}
	}
	return err
}

func isNoScript(err error) bool {
	return err != nil && (errors.Is(err, goredis.ErrNoScript) || goredis.HasErrorPrefix(err, "NOSCRIPT"))
}
