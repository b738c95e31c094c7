// Package enrich adds the merchant entity and the category to every
// accepted transaction.
//
//   - Reads:   core.transactions.v1 (AcceptedTransaction, keyed by account_id);
//     enrich-merchants-table through a goka view (Deps.Merchants); enrich.catalog.v1 (catalog
//     lines by entity id) through CatalogFollower, every partition.
//   - Writes:  enrich.transactions.v1 (EnrichedTransaction, by account_id);
//     enrich.resolutions.v1 (each new resolution, by cache key);
//     enrich.dlq.v1 (undecodable or misrouted transactions, bad catalog
//     updates, with the reason).
//   - Keys by: account_id; the merchant cache by cleaned descriptor.
//   - State:   none in the enrich group. MerchantsGroup (enrich-merchants)
//     keeps the latest resolution per cleaned descriptor in
//     enrich-merchants-table; each process also keeps a bounded LRU.
//
// A removed transaction keeps the merchant it was enriched with (from the
// cache), or goes out unresolved; it is never resolved again. A cached
// resolution from an older catalog version is re-resolved for new
// transactions only. docs/enrich-processor.md has the details: the
// deferred path of a remote index, catalog updates and how to re-enrich
// old transactions.
package enrich
