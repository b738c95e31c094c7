package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

var (
	eventColumns = []string{"event_id", "account_id", "type", "occurred_at", "ingested_at", "source",
		"source_transaction_id", "amount_minor", "currency", "payload"}
	transactionColumns = []string{"event_id", "account_id", "type", "status", "source", "source_transaction_id",
		"amount_minor", "currency", "occurred_at", "posted_at", "description", "merchant_name", "mcc",
		"balance_posted_minor", "balance_pending_minor", "sequence", "accepted_at",
		"merchant_entity_id", "merchant", "merchant_website", "marketplace", "merchant_method", "merchant_confidence",
		"category_primary", "category_detailed", "risk_score", "risk_decision", "risk_reasons", "model_version"}
	accountColumns = []string{"account_id", "currency", "balance_minor", "pending_minor", "sequence", "updated_at"}
)

type accountKey struct{ account, currency string }

type account struct {
	posted, pending, sequence int64
	updated                   any // time.Time or nil
}

// rows are a batch decoded into the tables' rows, in column order.
type rows struct {
	events       [][]any
	transactions [][]any
	// accounts holds, per account and currency, the batch's balance with
	// the highest sequence.
	accounts map[accountKey]account
	occurred map[month]bool
}

func (r *rows) addMonth(t time.Time) {
	if r.occurred == nil {
		r.occurred = map[month]bool{}
	}
	r.occurred[monthOf(t)] = true
}

// months are the months of the batch's occurred_at, in order.
func (r *rows) months() []month {
	out := make([]month, 0, len(r.occurred))
	for m := range r.occurred {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start().Before(out[j].start()) })
	return out
}

func (r *rows) accountRows() [][]any {
	out := make([][]any, 0, len(r.accounts))
	for k, a := range r.accounts {
		out = append(out, []any{k.account, k.currency, a.posted, a.pending, a.sequence, a.updated})
	}
	return out
}

// addEvent decodes an Event of core.events.v1.
func (r *rows) addEvent(value []byte) error {
	var ev fintrav1.Event
	if err := proto.Unmarshal(value, &ev); err != nil {
		return fmt.Errorf("postgres: not an Event: %w", err)
	}
	id, err := eventID(ev.GetEventId())
	if err != nil {
		return err
	}
	if ev.GetAccountId() == "" {
		return errors.New("postgres: event has no account_id")
	}
	occurred, err := requiredTime("occurred_at", ev.GetOccurredAt())
	if err != nil {
		return err
	}
	ingested, err := optionalTime("ingested_at", ev.GetIngestedAt())
	if err != nil {
		return err
	}
	if err := checkText(ev.ProtoReflect()); err != nil {
		return err
	}
	payload, err := schemas.MarshalJSON(&ev)
	if err != nil {
		return fmt.Errorf("postgres: event as JSON: %w", err)
	}
	var (
		source, sourceTxID, currency any
		amount                       any
	)
	tx := ev.GetCreated().GetTransaction()
	if tx == nil {
		tx = ev.GetUpdated().GetTransaction()
	}
	switch {
	case tx != nil:
		source, sourceTxID, amount = tx.GetSource(), tx.GetSourceTransactionId(), tx.GetAmountMinor()
		if currency, err = currencyCode(tx.GetCurrency()); err != nil {
			return err
		}
	case ev.GetRemoved() != nil:
		source, sourceTxID = ev.GetRemoved().GetSource(), ev.GetRemoved().GetSourceTransactionId()
	case ev.GetConnection() != nil:
		source = ev.GetConnection().GetSource()
	}
	r.events = append(r.events, []any{id, ev.GetAccountId(), enumName(ev.GetType()), occurred, ingested,
		source, sourceTxID, amount, currency, string(payload)})
	r.addMonth(occurred)
	return nil
}

// addTransaction decodes a transaction of topic, a transaction stage after
// the ledger (schemas.DecodeScored): core.transactions.v1,
// enrich.transactions.v1 or guard.scores.v1.
func (r *rows) addTransaction(topic string, value []byte) error {
	st, err := schemas.DecodeScored(topic, value)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	at := st.GetEnriched().GetAccepted()
	if at == nil {
		return errors.New("postgres: record has no accepted transaction")
	}
	id, err := eventID(at.GetEventId())
	if err != nil {
		return err
	}
	if at.GetAccountId() == "" {
		return errors.New("postgres: accepted transaction has no account_id")
	}
	tx := at.GetTransaction()
	if tx == nil {
		return errors.New("postgres: accepted transaction has no transaction")
	}
	currency, err := currencyCode(tx.GetCurrency())
	if err != nil {
		return err
	}
	occurredTS := at.GetOccurredAt()
	if occurredTS == nil {
		occurredTS = tx.GetOccurredAt()
	}
	occurred, err := requiredTime("occurred_at", occurredTS)
	if err != nil {
		return err
	}
	posted, err := optionalTime("posted_at", tx.GetPostedAt())
	if err != nil {
		return err
	}
	accepted, err := optionalTime("accepted_at", at.GetAcceptedAt())
	if err != nil {
		return err
	}
	if at.GetSequence() > math.MaxInt64 {
		return fmt.Errorf("postgres: sequence %d does not fit a bigint", at.GetSequence())
	}
	seq := int64(at.GetSequence())
	if err := checkText(st.ProtoReflect()); err != nil {
		return err
	}
	later, err := laterStages(st)
	if err != nil {
		return err
	}
	var balPosted, balPending any
	if b := at.GetBalanceAfter(); b != nil {
		if b.GetCurrency() != "" && b.GetCurrency() != currency {
			return fmt.Errorf("postgres: balance currency %q differs from transaction currency %q", b.GetCurrency(), currency)
		}
		balPosted, balPending = b.GetPostedMinor(), b.GetPendingMinor()
		k := accountKey{at.GetAccountId(), currency}
		if r.accounts == nil {
			r.accounts = map[accountKey]account{}
		}
		if cur, ok := r.accounts[k]; !ok || cur.sequence < seq {
			r.accounts[k] = account{posted: b.GetPostedMinor(), pending: b.GetPendingMinor(), sequence: seq, updated: accepted}
		}
	}
	r.transactions = append(r.transactions, append([]any{id, at.GetAccountId(), enumName(at.GetType()), enumName(tx.GetStatus()),
		tx.GetSource(), tx.GetSourceTransactionId(), tx.GetAmountMinor(), currency, occurred, posted,
		nullable(tx.GetDescription()), nullable(tx.GetMerchantName()), nullable(tx.GetMcc()),
		balPosted, balPending, seq, accepted}, later...))
	r.addMonth(occurred)
	return nil
}

// laterStages are the columns enrich and guard fill, NULL where the stage
// left nothing.
func laterStages(st *fintrav1.ScoredTransaction) ([]any, error) {
	out := make([]any, 12)
	if m := st.GetEnriched().GetMerchant(); m != nil {
		out[0], out[1], out[2], out[3] = nullable(m.GetEntityId()), nullable(m.GetName()), nullable(m.GetWebsite()), nullable(m.GetMarketplace())
		out[4], out[5] = enumName(m.GetMethod()), m.GetConfidence()
	}
	if c := st.GetEnriched().GetCategory(); c != nil {
		out[6], out[7] = nullable(c.GetPrimary()), nullable(c.GetDetailed())
	}
	if sc := st.GetScore(); sc != nil {
		if math.IsNaN(sc.GetScore()) || sc.GetScore() < 0 || sc.GetScore() > 1 {
			return nil, fmt.Errorf("postgres: risk score %v is not a probability", sc.GetScore())
		}
		reasons := make([]map[string]any, 0, len(sc.GetReasons()))
		for _, rs := range sc.GetReasons() {
			reasons = append(reasons, map[string]any{"code": rs.GetCode(), "detail": rs.GetDetail(), "contribution": rs.GetContribution()})
		}
		b, err := json.Marshal(reasons)
		if err != nil {
			return nil, fmt.Errorf("postgres: risk reasons: %w", err)
		}
		out[8], out[9], out[10], out[11] = sc.GetScore(), enumName(sc.GetDecision()), string(b), nullable(sc.GetModelVersion())
	}
	return out, nil
}

func eventID(s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.UUID{}, fmt.Errorf("postgres: event_id %q is not a UUID", s)
	}
	return id, nil
}

func currencyCode(c string) (string, error) {
	if len(c) != 3 || strings.ToUpper(c) != c {
		return "", fmt.Errorf("postgres: currency %q is not an ISO 4217 code", c)
	}
	return c, nil
}

func requiredTime(field string, ts *timestamppb.Timestamp) (time.Time, error) {
	if ts == nil {
		return time.Time{}, fmt.Errorf("postgres: %s is missing", field)
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, fmt.Errorf("postgres: %s: %w", field, err)
	}
	return ts.AsTime(), nil
}

func optionalTime(field string, ts *timestamppb.Timestamp) (any, error) {
	if ts == nil {
		return nil, nil
	}
	return requiredTime(field, ts)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// enumName is an enum value's short lower-case name, as in the JSON form:
// TRANSACTION_STATUS_POSTED is "posted".
func enumName(e protoreflect.Enum) string {
	d := e.Descriptor()
	v := d.Values().ByNumber(e.Number())
	if v == nil {
		return fmt.Sprint(int32(e.Number()))
	}
	name := string(v.Name())
	prefix := strings.ToUpper(camelToSnake(string(d.Name()))) + "_"
	return strings.ToLower(strings.TrimPrefix(name, prefix))
}

func camelToSnake(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c >= 'A' && c <= 'Z' && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// checkText rejects a message with a NUL character in any string:
// PostgreSQL's text and jsonb cannot store it, and the whole batch would
// otherwise fail on every retry.
func checkText(m protoreflect.Message) error {
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		err = checkValue(fd, v)
		return err == nil
	})
	return err
}

func checkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch {
	case fd.IsList():
		for i := 0; i < v.List().Len(); i++ {
			if err := checkScalar(fd, v.List().Get(i)); err != nil {
				return err
			}
		}
	case fd.IsMap():
		var err error
		v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
			if strings.ContainsRune(k.String(), 0) {
				err = fmt.Errorf("postgres: %s has a key with a NUL character", fd.Name())
			} else {
				err = checkScalar(fd.MapValue(), mv)
			}
			return err == nil
		})
		return err
	default:
		return checkScalar(fd, v)
	}
	return nil
}

func checkScalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if strings.ContainsRune(v.String(), 0) {
			return fmt.Errorf("postgres: %s contains a NUL character", fd.Name())
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return checkText(v.Message())
	}
	return nil
}
