package plaid

// MaxPayload is the largest payload accepted, in bytes. A /transactions/sync
// page holds at most 500 transactions (about 1 MiB); this leaves room for a
// /transactions/get page and still bounds what one record can cost.
const MaxPayload = 16 << 20

// maxDepth is the deepest nesting accepted. Plaid's deepest documented
// shape is four levels (page, added[], transaction, counterparties[], {}).
const maxDepth = 16
