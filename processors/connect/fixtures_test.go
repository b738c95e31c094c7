package connect_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas"
)

// fixtures lists the real third-party files the connector packages keep in
// their testdata (not the goldens, docs or licences).
func fixtures(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("source", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "fuzz" || d.Name() == "fintrajson" {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if !strings.Contains(path, "/testdata/") || strings.Contains(name, ".golden") {
			return nil
		}
		switch strings.ToLower(filepath.Ext(name)) {
		case ".xml", ".ofx", ".qfx", ".json":
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryFixtureThroughTheProcessor feeds every real fixture through the
// connect processor with fintra-source: auto, in one stream: each either
// yields exactly the events its parser gives offline, or lands in the DLQ
// with the same reason, and the processor keeps going either way.
func TestEveryFixtureThroughTheProcessor(t *testing.T) {
	files := fixtures(t)
	if len(files) < 40 {
		t.Fatalf("found only %d fixtures", len(files))
	}
	tt, metrics := startConnect(t)
	events := tt.NewQueueTracker(string(schemas.TopicCoreEvents))
	conns := tt.NewQueueTracker(string(schemas.TopicConnectConnections))
	dlq := tt.NewQueueTracker(string(schemas.TopicConnectDLQ))
	auto, err := connect.DefaultParsers().Lookup(source.AutoName)
	if err != nil {
		t.Fatal(err)
	}
	var wantEvents, wantDLQ int
	mustReject := map[string]bool{"camt053.v2.wrong.xml": true, "fail_nice_date_missing.ofx": true, "fail_nice_decimal_error.ofx": true,
		"fail_nice_empty_balance.ofx": true, "error_message.ofx": true, "signon_fail.ofx": true}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		evs, perr := auto.Parse(source.Payload{Bytes: b, Key: "conn-1"})
		tt.Consume(string(schemas.TopicConnectRaw), "conn-1", b, tester.WithHeaders(goka.Headers{schemas.HeaderSource: []byte(source.AutoName)}))
		if perr != nil {
			wantDLQ++
			h, _, v, ok := dlq.NextWithHeaders()
			if !ok || string(v.([]byte)) != string(b) {
				t.Errorf("%s: not dead-lettered with its bytes", f)
				continue
			}
			if !strings.Contains(string(h[schemas.HeaderError]), perr.Error()) {
				t.Errorf("%s: DLQ reason %q, offline reason %q", f, h[schemas.HeaderError], perr)
			}
			continue
		}
		if mustReject[filepath.Base(f)] {
			t.Errorf("%s: malformed fixture accepted", f)
		}
		wantEvents += len(evs)
		for _, ev := range evs {
			q := events
			if ev.GetConnection() != nil {
				q = conns
			}
			_, v, ok := q.Next()
			if !ok {
				t.Fatalf("%s: missing event %s", f, ev.GetEventId())
			}
			if got := v.(interface{ GetEventId() string }).GetEventId(); got != ev.GetEventId() {
				t.Errorf("%s: event %s, offline %s", f, got, ev.GetEventId())
			}
		}
	}
	st := metrics.Stage("connect")
	if int(st.DLQ.Load()) != wantDLQ || int(st.Out.Load()) != wantEvents || int(st.In.Load()) != len(files) {
		t.Errorf("connect counted in %d out %d dlq %d, want %d %d %d", st.In.Load(), st.Out.Load(), st.DLQ.Load(), len(files), wantEvents, wantDLQ)
	}
	for name := range mustReject {
		found := false
		for _, f := range files {
			found = found || filepath.Base(f) == name
		}
		if !found {
			t.Errorf("malformed fixture %s is missing from testdata", name)
		}
	}
	t.Logf("%d fixtures: %d events, %d dead letters", len(files), wantEvents, wantDLQ)
}
