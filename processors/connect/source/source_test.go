package source_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/fintrajson"
)

func TestAutoDetectsAndExplains(t *testing.T) {
	r, err := source.NewRegistry(fintrajson.New())
	if err != nil {
		t.Fatal(err)
	}
	auto, err := r.Lookup("auto")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := auto.Parse(source.Payload{Bytes: []byte(`{"account_id":"a","transaction_id":"t","status":"posted","amount_minor":1,"currency":"EUR","occurred_at":"2026-01-05T00:00:00Z"}`)})
	if err != nil || len(evs) != 1 || evs[0].GetCreated().GetTransaction().GetSource() != "fintra-json" {
		t.Fatalf("%v %v", evs, err)
	}
	_, err = auto.Parse(source.Payload{Bytes: []byte(`<?xml version="1.0"?><Document/>`)})
	if !errors.Is(err, source.ErrUnknownSource) || !strings.Contains(err.Error(), "name the format instead of auto") {
		t.Errorf("undetectable content: %v", err)
	}
	if _, err := source.NewRegistry(fintrajson.New(), fintrajson.New()); err == nil {
		t.Error("a format registered twice must be an error")
	}
}

func TestAccountIDIsAValidKey(t *testing.T) {
	if got := source.AccountID("camt", "DE89 3704/0044"); got != "camt:DE89_3704_0044" {
		t.Errorf("%q", got)
	}
}

func TestSplitLinesSkipsBlankAndNumbersLines(t *testing.T) {
	var got []string
	err := source.Split(strings.NewReader("a\n\n  \nb\r\nc"), source.FramingLines, func(pos source.Position, p []byte) error {
		got = append(got, pos.String()+"="+strings.TrimSpace(string(p)))
		return nil
	})
	if err != nil || strings.Join(got, ",") != "1=a,4=b,5=c" {
		t.Errorf("%v %v", got, err)
	}
}
