package up

// MaxPayload is the largest payload accepted, in bytes. A transactions page
// holds at most 100 transactions (about 300 KiB); the limit is the shared
// document cap of the connector formats and bounds what one record costs.
const MaxPayload = 16 << 20

// maxDepth is the deepest nesting accepted. Up's deepest documented shape
// is six levels (page, data[], resource, relationships, account, data).
const maxDepth = 16
