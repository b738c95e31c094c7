package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/fintrajson"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// FintraJSON reads fintra-json payloads, one per line (what `fintra
// generate` writes) or a JSON array of them. A payload the parser rejects
// fails the read with its position and the reason.
func FintraJSON(r io.Reader) ([]Record, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("replay: read fintra-json: %w", err)
	}
	var payloads [][]byte
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(t, &arr); err != nil {
			return nil, fmt.Errorf("replay: fintra-json array: %w", err)
		}
		for _, p := range arr {
			payloads = append(payloads, p)
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), fintrajson.MaxPayload+1)
		for sc.Scan() {
			payloads = append(payloads, bytes.Clone(sc.Bytes()))
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("replay: read fintra-json lines: %w", err)
		}
	}
	parser := fintrajson.New()
	var out []Record
	for i, p := range payloads {
		if len(bytes.TrimSpace(p)) == 0 {
			continue
		}
		recs, err := parsePayload(parser, p, nil)
		if err != nil {
			return nil, fmt.Errorf("replay: fintra-json payload %d: %w", i+1, err)
		}
		out = append(out, recs...)
	}
	return out, nil
}

// parsePayload turns one fintra-json payload into records, with ctx as the
// payment context of its transaction.
func parsePayload(parser *fintrajson.Parser, payload []byte, ctx *fintrav1.PaymentContext) ([]Record, error) {
	evs, err := parser.Parse(source.Payload{Bytes: payload, IngestedAt: time.Unix(0, 0).UTC()})
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(evs))
	for _, ev := range evs {
		et, id, err := Enriched(ev)
		if err != nil {
			return nil, err
		}
		if ctx != nil && et.Accepted.Transaction != nil {
			et.Accepted.Transaction.Context = ctx
		}
		out = append(out, Record{ID: id, Tx: et})
	}
	return out, nil
}

// Enriched wraps a canonical event as guard sees it before enrich has
// resolved anything: an accepted transaction with no merchant or
// category. It returns the source transaction id too.
func Enriched(ev *fintrav1.Event) (*fintrav1.EnrichedTransaction, string, error) {
	at := &fintrav1.AcceptedTransaction{EventId: ev.GetEventId(), AccountId: ev.GetAccountId(), Type: ev.GetType(),
		OccurredAt: ev.GetOccurredAt(), IngestedAt: ev.GetIngestedAt()}
	switch p := ev.GetPayload().(type) {
	case *fintrav1.Event_Created:
		at.Transaction = p.Created.GetTransaction()
	case *fintrav1.Event_Updated:
		at.Transaction = p.Updated.GetTransaction()
		at.UpdateReason = p.Updated.GetReason()
		at.SupersedesSourceTransactionId = p.Updated.GetSupersedesSourceTransactionId()
	case *fintrav1.Event_Removed:
		r := p.Removed
		at.Transaction = &fintrav1.Transaction{AccountId: r.GetAccountId(), Source: r.GetSource(), SourceAccountId: r.GetSourceAccountId(),
			SourceTransactionId: r.GetSourceTransactionId(), Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED}
		if at.OccurredAt == nil {
			at.OccurredAt = timestamppb.New(time.Unix(0, 0))
		}
	default:
		return nil, "", errors.New("not a transaction event")
	}
	return &fintrav1.EnrichedTransaction{Accepted: at}, at.GetTransaction().GetSourceTransactionId(), nil
}
