package lake

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/schemas"
)

// Row is one row of the transactions table: one transaction of a stage
// after the ledger. Money is int64 minor units plus the ISO 4217 code,
// never a float. Times are UTC microseconds. merchant, merchant_entity_id
// and category come from enrich, score, decision and model_version from
// guard: empty strings and a null score when the topic is an earlier stage.
type Row struct {
	EventID             string     `parquet:"event_id"`
	AccountID           string     `parquet:"account_id"`
	Type                string     `parquet:"type,dict"`
	Status              string     `parquet:"status,dict"`
	Source              string     `parquet:"source,dict"`
	SourceTransactionID string     `parquet:"source_transaction_id"`
	AmountMinor         int64      `parquet:"amount_minor"`
	Currency            string     `parquet:"currency,dict"`
	OccurredAt          time.Time  `parquet:"occurred_at,timestamp(microsecond:utc)"`
	PostedAt            *time.Time `parquet:"posted_at,optional,timestamp(microsecond:utc)"`
	Description         *string    `parquet:"description,optional"`
	MerchantName        *string    `parquet:"merchant_name,optional"`
	MCC                 *string    `parquet:"mcc,optional"`
	BalancePostedMinor  *int64     `parquet:"balance_posted_minor,optional"`
	BalancePendingMinor *int64     `parquet:"balance_pending_minor,optional"`
	Sequence            int64      `parquet:"sequence"`
	Merchant            string     `parquet:"merchant"`
	Category            string     `parquet:"category"`
	Score               *float64   `parquet:"score,optional"`
	MerchantEntityID    string     `parquet:"merchant_entity_id,dict"`
	Decision            string     `parquet:"decision,dict"`
	ModelVersion        string     `parquet:"model_version,dict"`
}

// Columns are the table's columns, in order.
var Columns = []string{"event_id", "account_id", "type", "status", "source", "source_transaction_id",
	"amount_minor", "currency", "occurred_at", "posted_at", "description", "merchant_name", "mcc",
	"balance_posted_minor", "balance_pending_minor", "sequence", "merchant", "category", "score",
	"merchant_entity_id", "decision", "model_version"}

// decodeTransaction decodes a transaction of stage (schemas.DecodeScored)
// into a row. An error means the record can never be written.
func decodeTransaction(stage string, value []byte) (Row, error) {
	st, err := schemas.DecodeScored(stage, value)
	if err != nil {
		return Row{}, fmt.Errorf("lake: %w", err)
	}
	at := st.GetEnriched().GetAccepted()
	if at == nil {
		return Row{}, errors.New("lake: record has no accepted transaction")
	}
	if _, err := uuid.Parse(at.GetEventId()); err != nil {
		return Row{}, fmt.Errorf("lake: event_id %q is not a UUID", at.GetEventId())
	}
	if at.GetAccountId() == "" {
		return Row{}, errors.New("lake: accepted transaction has no account_id")
	}
	tx := at.GetTransaction()
	if tx == nil {
		return Row{}, errors.New("lake: accepted transaction has no transaction")
	}
	cur := tx.GetCurrency()
	if len(cur) != 3 || strings.ToUpper(cur) != cur {
		return Row{}, fmt.Errorf("lake: currency %q is not an ISO 4217 code", cur)
	}
	occurredTS := at.GetOccurredAt()
	if occurredTS == nil {
		occurredTS = tx.GetOccurredAt()
	}
	if occurredTS == nil {
		return Row{}, errors.New("lake: occurred_at is missing")
	}
	occurred, err := validTime("occurred_at", occurredTS)
	if err != nil {
		return Row{}, err
	}
	if at.GetSequence() > math.MaxInt64 {
		return Row{}, fmt.Errorf("lake: sequence %d does not fit an int64", at.GetSequence())
	}
	r := Row{
		EventID:             at.GetEventId(),
		AccountID:           at.GetAccountId(),
		Type:                enumName(at.GetType()),
		Status:              enumName(tx.GetStatus()),
		Source:              tx.GetSource(),
		SourceTransactionID: tx.GetSourceTransactionId(),
		AmountMinor:         tx.GetAmountMinor(),
		Currency:            cur,
		OccurredAt:          occurred,
		Description:         nullable(tx.GetDescription()),
		MerchantName:        nullable(tx.GetMerchantName()),
		MCC:                 nullable(tx.GetMcc()),
		Sequence:            int64(at.GetSequence()),
	}
	if m := st.GetEnriched().GetMerchant(); m != nil {
		r.Merchant, r.MerchantEntityID = m.GetName(), m.GetEntityId()
	}
	r.Category = st.GetEnriched().GetCategory().GetDetailed()
	if sc := st.GetScore(); sc != nil {
		score := sc.GetScore()
		if math.IsNaN(score) || score < 0 || score > 1 {
			return Row{}, fmt.Errorf("lake: score %v is not a probability", score)
		}
		r.Score, r.Decision, r.ModelVersion = &score, enumName(sc.GetDecision()), sc.GetModelVersion()
	}
	if ts := tx.GetPostedAt(); ts != nil {
		posted, err := validTime("posted_at", ts)
		if err != nil {
			return Row{}, err
		}
		r.PostedAt = &posted
	}
	if b := at.GetBalanceAfter(); b != nil {
		if b.GetCurrency() != "" && b.GetCurrency() != cur {
			return Row{}, fmt.Errorf("lake: balance currency %q differs from transaction currency %q", b.GetCurrency(), cur)
		}
		posted, pending := b.GetPostedMinor(), b.GetPendingMinor()
		r.BalancePostedMinor, r.BalancePendingMinor = &posted, &pending
	}
	return r, nil
}

// validTime is the timestamp in UTC, truncated to the column's microseconds.
func validTime(field string, ts *timestamppb.Timestamp) (time.Time, error) {
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, fmt.Errorf("lake: %s: %w", field, err)
	}
	return ts.AsTime().UTC().Truncate(time.Microsecond), nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// enumName is an enum value's short lower-case name, as in the JSON form
// and the PostgreSQL sink: TRANSACTION_STATUS_POSTED is "posted".
func enumName(e protoreflect.Enum) string {
	d := e.Descriptor()
	v := d.Values().ByNumber(e.Number())
	if v == nil {
		return fmt.Sprint(int32(e.Number()))
	}
	var prefix strings.Builder
	for i, c := range string(d.Name()) {
		if c >= 'A' && c <= 'Z' && i > 0 {
			prefix.WriteByte('_')
		}
		prefix.WriteRune(c)
	}
	return strings.ToLower(strings.TrimPrefix(string(v.Name()), strings.ToUpper(prefix.String())+"_"))
}
