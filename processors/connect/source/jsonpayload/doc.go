// Package jsonpayload is the strict reading of JSON webhook and API
// payloads for the parsers (plaid, up, stripe, adyen; fintrajson uses
// InvalidUTF8): the checks a document passes before it is decoded, a key
// scanner cheap enough for Detect, and typed readers that record what is
// wrong as a problem with the field's path. Every problem it makes has the
// field "payload" when it is about the whole document.
package jsonpayload
