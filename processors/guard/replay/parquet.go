package replay

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/sinks/lake"
)

// LakeParquet reads the lake's transactions table (sinks/lake: a .parquet
// file, or a directory walked for them, e.g. <lake>/transactions) into
// records, one per event_id (a replayed object holds the same rows). The
// lake keeps no label and no payment context: the labels are empty and
// the context features 0. The id is the source transaction id.
func LakeParquet(path string) ([]Record, error) {
	var files []string
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("replay: parquet: %w", err)
	}
	if info.IsDir() {
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("replay: parquet: %w", err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("replay: parquet: no .parquet files under %s: give the lake's transactions directory or one file", path)
		}
	} else {
		files = []string{path}
	}
	slices.Sort(files)
	seen := map[string]bool{}
	var out []Record
	for _, f := range files {
		rows, err := parquet.ReadFile[lake.Row](f)
		if err != nil {
			return nil, fmt.Errorf("replay: parquet %s: %w (is it a file of the lake's transactions table?)", f, err)
		}
		for i := range rows {
			r := &rows[i]
			if seen[r.EventID] {
				continue
			}
			seen[r.EventID] = true
			rec, err := lakeRecord(r)
			if err != nil {
				return nil, fmt.Errorf("replay: parquet %s row %d: %w", f, i, err)
			}
			out = append(out, rec)
		}
	}
	return out, nil
}

func lakeRecord(r *lake.Row) (Record, error) {
	typ, ok := fintrav1.EventType_value["EVENT_TYPE_"+strings.ToUpper(r.Type)]
	if !ok {
		return Record{}, fmt.Errorf("type %q is not a transaction event type", r.Type)
	}
	status, ok := fintrav1.TransactionStatus_value["TRANSACTION_STATUS_"+strings.ToUpper(r.Status)]
	if !ok {
		return Record{}, fmt.Errorf("status %q is not a transaction status", r.Status)
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	ts := timestamppb.New(r.OccurredAt)
	tx := &fintrav1.Transaction{
		AccountId: r.AccountID, Source: r.Source, SourceTransactionId: r.SourceTransactionID, AmountMinor: r.AmountMinor,
		Currency: r.Currency, Status: fintrav1.TransactionStatus(status), OccurredAt: ts,
		Description: deref(r.Description), MerchantName: deref(r.MerchantName), Mcc: deref(r.MCC),
	}
	if r.PostedAt != nil {
		tx.PostedAt = timestamppb.New(*r.PostedAt)
	}
	et := &fintrav1.EnrichedTransaction{Accepted: &fintrav1.AcceptedTransaction{
		EventId: r.EventID, AccountId: r.AccountID, Type: fintrav1.EventType(typ), Transaction: tx, OccurredAt: ts, Sequence: uint64(max(r.Sequence, 0)),
	}}
	if r.Merchant != "" || r.MerchantEntityID != "" {
		et.Merchant = &fintrav1.Merchant{Name: r.Merchant, EntityId: r.MerchantEntityID}
	}
	if r.Category != "" {
		// The lake keeps the detailed category; the features read the
		// primary off it.
		et.Category = &fintrav1.Category{Detailed: r.Category}
	}
	return Record{ID: r.SourceTransactionID, Tx: et}, nil
}
