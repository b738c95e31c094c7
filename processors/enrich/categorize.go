package enrich

import (
	"github.com/fintraos/fintra/processors/enrich/category"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// categorize decides the transaction's category from what the transaction
// says (its MCC, amount sign, reversal and linked transaction), what the
// descriptor's phrasing said (the cleaning flags) and the merchant's
// default category. Only the transaction's own MCC is used: it is what the
// card network reported for this very payment, while the catalog's MCC is
// already reflected in the merchant's default category.
func categorize(at *fintrav1.AcceptedTransaction, l lookup) *fintrav1.Category {
	tx := at.GetTransaction()
	in := category.Input{
		MCC:                       tx.GetMcc(),
		Cleaned:                   l.cleaned,
		AmountMinor:               tx.GetAmountMinor(),
		Reversal:                  tx.GetReversal(),
		LinkedSourceTransactionID: tx.GetLinkedSourceTransactionId(),
	}
	if r := l.res; r != nil {
		in.MerchantCategory = r.Category
		in.MerchantConfidence = r.Confidence
	}
	return category.Decide(in)
}
