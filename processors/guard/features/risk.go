package features

import "strings"

// Merchant category risk is a prior, not a learned weight: how often card
// fraud schemes cash out through a kind of merchant, from public issuer and
// network guidance (Visa and Mastercard treat MCCs 7995, 6051, 4829, 6540
// and 5944 as high-risk; fraudsters favour goods that resell quickly).
// The model learns how much to trust it. Scale: 0 (low) to 1 (high); an
// unknown merchant gets DefaultCategoryRisk.

// DefaultCategoryRisk is the risk of a transaction without an MCC or a
// category this table knows.
const DefaultCategoryRisk = 0.3

// mccRisk is the risk by ISO 18245 merchant category code.
var mccRisk = map[string]float64{
	"7995": 0.95, // betting, casino gambling
	"7800": 0.9,  // government-owned lotteries
	"7801": 0.9,  // internet gambling
	"7802": 0.9,  // horse and dog racing
	"6051": 0.95, // quasi-cash: crypto, money orders, travellers cheques
	"4829": 0.85, // money transfer, wire
	"6540": 0.85, // stored value and gift card loads
	"6012": 0.6,  // financial institutions: merchandise and services
	"5944": 0.75, // jewellery and watches
	"5732": 0.7,  // electronics stores
	"5045": 0.6,  // computers and peripherals
	"5734": 0.55, // computer software stores
	"5816": 0.6,  // digital goods: games
	"5815": 0.45, // digital goods: media
	"5817": 0.45, // digital goods: applications
	"5967": 0.7,  // direct marketing: inbound telemarketing
	"5966": 0.65, // direct marketing: outbound telemarketing
	"4722": 0.5,  // travel agencies
	"3000": 0.5,  // airlines (the 3000–3299 block is mapped in categoryRiskFor)
	"4511": 0.5,  // airlines
	"7011": 0.35, // lodging
	"6011": 0.45, // ATM cash
	"6010": 0.45, // manual cash disbursement
	"5999": 0.4,  // miscellaneous retail
	"5311": 0.3,  // department stores
	"5651": 0.3,  // family clothing
	"5691": 0.3,  // clothing
	"5942": 0.25, // book stores
	"4814": 0.3,  // telecom services
	"4121": 0.2,  // taxis and rideshare
	"4111": 0.1,  // commuter transport
	"4112": 0.2,  // rail
	"5541": 0.25, // fuel
	"5542": 0.3,  // automated fuel dispensers (a card-testing favourite)
	"5812": 0.1,  // restaurants
	"5813": 0.15, // bars
	"5814": 0.05, // fast food
	"5411": 0.05, // groceries
	"5499": 0.1,  // convenience, speciality food
	"5912": 0.1,  // pharmacies
	"4900": 0.05, // utilities
	"6300": 0.05, // insurance
	"8211": 0.05, // schools
	"9399": 0.05, // government services
	"4899": 0.2,  // cable and streaming
	"7997": 0.1,  // clubs, gyms
	"5995": 0.15, // pet shops
	"5200": 0.2,  // home supply
	"5310": 0.25, // discount stores
}

// categoryRisk is the risk by enrich's primary or detailed category
// (processors/enrich/category/taxonomy.tsv), used when there is no MCC.
var categoryRisk = map[string]float64{
	"ENTERTAINMENT_CASINOS_AND_GAMBLING":      0.95,
	"GENERAL_MERCHANDISE_ELECTRONICS":         0.7,
	"GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES": 0.6,
	"TRANSFER_OUT_ACCOUNT_TRANSFER":           0.7,
	"TRANSFER_OUT_WITHDRAWAL":                 0.45,
	"TRANSFER_OUT":                            0.6,
	"TRAVEL":                                  0.45,
	"GENERAL_MERCHANDISE":                     0.35,
	"ENTERTAINMENT":                           0.3,
	"TRANSPORTATION":                          0.2,
	"PERSONAL_CARE":                           0.15,
	"FOOD_AND_DRINK_GROCERIES":                0.05,
	"FOOD_AND_DRINK":                          0.1,
	"RENT_AND_UTILITIES":                      0.05,
	"LOAN_PAYMENTS":                           0.05,
	"MEDICAL":                                 0.1,
	"BANK_FEES":                               0.05,
	"INCOME":                                  0.05,
	"TRANSFER_IN":                             0.2,
	"GOVERNMENT_AND_NON_PROFIT":               0.05,
}

// CategoryRisk returns the risk of a merchant category: by MCC first, then
// by detailed category, then by primary category (given, or read off the
// detailed code).
func CategoryRisk(mcc, detailed, primary string) float64 {
	if r, ok := mccRisk[mcc]; ok {
		return r
	}
	if len(mcc) == 4 && mcc >= "3000" && mcc <= "3299" {
		return mccRisk["3000"]
	}
	if len(mcc) == 4 && mcc >= "3500" && mcc <= "3999" {
		return mccRisk["7011"]
	}
	if r, ok := categoryRisk[strings.ToUpper(detailed)]; ok {
		return r
	}
	if r, ok := categoryRisk[strings.ToUpper(primary)]; ok {
		return r
	}
	// Without the primary, a detailed code's primary is one of its
	// prefixes (the taxonomy's rule: detailed = primary + "_" + sub).
	d := strings.ToUpper(detailed)
	for i := strings.LastIndexByte(d, '_'); i > 0; i = strings.LastIndexByte(d, '_') {
		d = d[:i]
		if r, ok := categoryRisk[d]; ok {
			return r
		}
	}
	return DefaultCategoryRisk
}
