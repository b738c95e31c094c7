// Package merchant resolves a raw statement descriptor to a catalog entity
// (the merchant), in this order, one Embed and one Search call per batch:
//
//  1. cleaning (package clean), which strips and reports an intermediary
//     prefix such as "SQ *" or "DOORDASH*";
//  2. the source's own merchant name, when it matches a catalog alias
//     exactly (MERCHANT_METHOD_SOURCE);
//  3. an exact alias match on the cleaned text, or on its longest leading
//     run of tokens that is an alias, since statements append cities and
//     ids (MERCHANT_METHOD_EXACT);
//  4. the nearest catalog alias in an embedding index, accepted above a
//     calibrated threshold (MERCHANT_METHOD_VECTOR);
//  5. otherwise the source's own merchant name, or else the cleaned text
//     title-cased, when it reads like a business name
//     (MERCHANT_METHOD_DESCRIPTOR, low confidence), else nothing
//     (MERCHANT_METHOD_UNRESOLVED). A guess is never presented as certain.
//
// Platform or seller: when the descriptor shows a marketplace (DoorDash,
// Uber Eats, Amazon Marketplace, Lyft), the merchant is the platform the
// customer dealt with and Marketplace names the seller behind it
// ("DOORDASH*ZEEKS PIZZA": DoorDash, marketplace "Zeeks Pizza"). When the
// prefix is a payment processor (Square "SQ *", Toast "TST*", PayPal,
// Stripe), the merchant is the seller and Marketplace names the processor
// ("SQ *BLUE BOTTLE": Blue Bottle Coffee, marketplace Square). Plaid
// resolves "DD DOORDASH BURGERKIN" to Burger King with DoorDash as the
// marketplace; this package returns DoorDash with marketplace Burger King.
// For payroll deposits the employer is the merchant.
package merchant
