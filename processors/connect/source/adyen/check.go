package adyen

// MaxPayload is the largest payload accepted, in bytes. Adyen batches up to
// a few dozen notification items; the cap only bounds what a broken
// producer can make us allocate.
const MaxPayload = 16 << 20

// maxDepth is the deepest JSON nesting accepted. Notifications nest about
// six levels (notificationItems[].NotificationRequestItem.amount); anything
// far deeper is not an Adyen notification.
const maxDepth = 32
