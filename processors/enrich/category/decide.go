package category

import (
	"strings"

	"github.com/fintraos/fintra/processors/enrich/clean"
	fintrav1 "github.com/fintraos/fintra/schemas/fintrav1"
)

// The methods Decide reports (fintrav1.Category.method).
const (
	MethodIncome   = "income"
	MethodTransfer = "transfer"
	MethodFee      = "fee"
	MethodRefund   = "refund"
	MethodMCC      = "mcc"
	MethodMerchant = "merchant"
	MethodKeyword  = "keyword"
	MethodNone     = "none"
)

// Fallback categories when no rule fires (see the package doc).
const (
	FallbackDebit  = "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE"
	FallbackCredit = "TRANSFER_IN_OTHER_TRANSFER_IN"
)

// Input is what Decide looks at.
type Input struct {
	// MCC is the source's merchant category code, if any.
	MCC string
	// MerchantCategory is the resolved merchant's default detailed category
	// from the catalog; empty when the merchant is unresolved or has none.
	MerchantCategory string
	// MerchantConfidence is the resolver's confidence in that merchant, in
	// [0, 1]; it scales the confidence of the "merchant" method. Zero is
	// taken as 1 (a caller that does not know).
	MerchantConfidence float64
	// Cleaned is the cleaned descriptor with its phrase flags.
	Cleaned clean.Cleaned
	// AmountMinor is signed: positive is money into the account.
	AmountMinor int64
	// Reversal marks a transaction the source flagged as a reversal.
	Reversal bool
	// LinkedSourceTransactionID names the original purchase of a refund.
	LinkedSourceTransactionID string
}

// Confidences of the rules: phrase rules are reliable, an MCC is the card
// network's own classification, a keyword is a weak hint.
const (
	confPhrase   = 0.9
	confTransfer = 0.85
	confRefund   = 0.75
	confMCC      = 0.85
	confMerchant = 0.8
	confKeyword  = 0.5
)

// Decide categorizes one transaction (rules in the package doc). It always
// returns a category of the taxonomy.
func Decide(in Input) *fintrav1.Category {
	credit := in.AmountMinor > 0
	flags := in.Cleaned.Flags
	merchantPrimary := Primary(in.MerchantCategory)

	// 1. income
	if credit {
		switch {
		case flags.Has(clean.Payroll):
			return result("INCOME_WAGES", MethodIncome, confPhrase)
		case merchantPrimary == "INCOME":
			return result(in.MerchantCategory, MethodIncome, confMerchant*merchantConf(in))
		case flags.Has(clean.Interest) && !flags.Has(clean.Fee):
			return result("INCOME_INTEREST_EARNED", MethodIncome, confPhrase)
		}
		if code, ok := matchKeywords(in.Cleaned.Text, incomeKeywords); ok {
			return result(code, MethodIncome, confKeyword)
		}
	}
	// 2. transfers and cash
	switch {
	case flags.Has(clean.Transfer) && !flags.Has(clean.Payroll):
		if credit {
			return result("TRANSFER_IN_ACCOUNT_TRANSFER", MethodTransfer, confTransfer)
		}
		return result("TRANSFER_OUT_ACCOUNT_TRANSFER", MethodTransfer, confTransfer)
	case flags.Has(clean.ATM) && !flags.Has(clean.Fee):
		if credit {
			return result("TRANSFER_IN_DEPOSIT", MethodTransfer, confTransfer)
		}
		return result("TRANSFER_OUT_WITHDRAWAL", MethodTransfer, confTransfer)
	}
	// 3. bank fees
	if flags.Has(clean.Fee) && !credit {
		switch {
		case flags.Has(clean.InsufficientFunds):
			return result("BANK_FEES_INSUFFICIENT_FUNDS", MethodFee, confPhrase)
		case flags.Has(clean.Overdraft):
			return result("BANK_FEES_OVERDRAFT_FEES", MethodFee, confPhrase)
		case flags.Has(clean.ATM):
			return result("BANK_FEES_ATM_FEES", MethodFee, confPhrase)
		case flags.Has(clean.Foreign):
			return result("BANK_FEES_FOREIGN_TRANSACTION_FEES", MethodFee, confPhrase)
		case flags.Has(clean.Interest):
			return result("BANK_FEES_INTEREST_CHARGE", MethodFee, confPhrase)
		}
		return result("BANK_FEES_OTHER_BANK_FEES", MethodFee, confPhrase)
	}
	// 4. refunds keep the category of what was refunded
	merchantCredit := credit && in.MerchantCategory != "" && !isMoneyMovement(merchantPrimary)
	if in.Reversal || in.LinkedSourceTransactionID != "" || flags.Has(clean.Refund) || merchantCredit {
		code, _, _ := spending(in)
		if code == "" {
			code = FallbackDebit
		}
		return result(code, MethodRefund, confRefund)
	}
	// 5-7. what was bought
	if code, method, conf := spending(in); code != "" {
		return result(code, method, conf)
	}
	if !credit && flags.Has(clean.Payment) {
		return result("LOAN_PAYMENTS_OTHER_PAYMENT", MethodKeyword, confKeyword)
	}
	if !credit && flags.Has(clean.Check) {
		return result("TRANSFER_OUT_OTHER_TRANSFER_OUT", MethodKeyword, confKeyword)
	}
	// 8. fallback
	if credit {
		return result(FallbackCredit, MethodNone, 0)
	}
	return result(FallbackDebit, MethodNone, 0)
}

// spending is rules 5 to 7: the MCC, the merchant's category, keywords.
func spending(in Input) (code, method string, conf float64) {
	if d, ok := ForMCC(in.MCC); ok {
		return d, MethodMCC, confMCC
	}
	if _, ok := byDetail[in.MerchantCategory]; ok {
		return in.MerchantCategory, MethodMerchant, confMerchant * merchantConf(in)
	}
	if d, ok := matchKeywords(in.Cleaned.Text, spendingKeywords); ok {
		if Primary(d) == "LOAN_PAYMENTS" && !in.Cleaned.Flags.Has(clean.Payment) && !strings.Contains(in.Cleaned.Text, "LOAN") {
			return "", "", 0
		}
		return d, MethodKeyword, confKeyword
	}
	return "", "", 0
}

func merchantConf(in Input) float64 {
	if in.MerchantConfidence <= 0 || in.MerchantConfidence > 1 {
		return 1
	}
	return in.MerchantConfidence
}

func isMoneyMovement(primary string) bool {
	switch primary {
	case "INCOME", "TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS", "BANK_FEES":
		return true
	}
	return false
}

func result(detailed, method string, conf float64) *fintrav1.Category {
	return &fintrav1.Category{Primary: Primary(detailed), Detailed: detailed, Method: method, Confidence: conf}
}

// keyword maps a word or a phrase of the cleaned text to a detailed code.
type keyword struct {
	words    []string
	detailed string
}

func kw(words, detailed string) keyword { return keyword{strings.Fields(words), detailed} }

// incomeKeywords apply to credits only.
var incomeKeywords = []keyword{
	kw("DIVIDEND", "INCOME_DIVIDENDS"), kw("DIVIDENDS", "INCOME_DIVIDENDS"), kw("DIV", "INCOME_DIVIDENDS"),
	kw("TAX REFUND", "INCOME_TAX_REFUND"), kw("IRS TREAS", "INCOME_TAX_REFUND"), kw("TAX REF", "INCOME_TAX_REFUND"),
	kw("UNEMPLOYMENT", "INCOME_UNEMPLOYMENT"), kw("UI BENEFITS", "INCOME_UNEMPLOYMENT"),
	kw("PENSION", "INCOME_RETIREMENT_PENSION"), kw("SSA TREAS", "INCOME_RETIREMENT_PENSION"),
	kw("SOC SEC", "INCOME_RETIREMENT_PENSION"), kw("ANNUITY", "INCOME_RETIREMENT_PENSION"), kw("RENTE", "INCOME_RETIREMENT_PENSION"),
}

// spendingKeywords are hints from the merchant's own name. Multi-word
// entries are listed before the single words they contain.
var spendingKeywords = []keyword{
	kw("ICE CREAM", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"), kw("CAR WASH", "GENERAL_SERVICES_AUTOMOTIVE"),
	kw("AUTO SPA", "GENERAL_SERVICES_AUTOMOTIVE"), kw("DRY CLEAN", "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING"),
	kw("STUDENT LOAN", "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT"), kw("AUTO LOAN", "LOAN_PAYMENTS_CAR_PAYMENT"),
	kw("CAR PAYMENT", "LOAN_PAYMENTS_CAR_PAYMENT"), kw("CREDIT CARD", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"),
	kw("POST OFFICE", "GENERAL_SERVICES_POSTAGE_AND_SHIPPING"), kw("CITY OF", "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES"),
	kw("COUNTY OF", "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES"), kw("STATE OF", "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES"),
	kw("TOLL ROAD", "TRANSPORTATION_TOLLS"), kw("GAS STATION", "TRANSPORTATION_GAS"),

	kw("COFFEE", "FOOD_AND_DRINK_COFFEE"), kw("CAFE", "FOOD_AND_DRINK_COFFEE"), kw("ESPRESSO", "FOOD_AND_DRINK_COFFEE"),
	kw("ROASTERS", "FOOD_AND_DRINK_COFFEE"), kw("KAFFEE", "FOOD_AND_DRINK_COFFEE"),
	kw("BURGER", "FOOD_AND_DRINK_FAST_FOOD"), kw("BURGERS", "FOOD_AND_DRINK_FAST_FOOD"), kw("FRIES", "FOOD_AND_DRINK_FAST_FOOD"),
	kw("BAGEL", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"), kw("BAGELS", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"),
	kw("DELI", "FOOD_AND_DRINK_RESTAURANT"), kw("SANDWICHES", "FOOD_AND_DRINK_RESTAURANT"), kw("RAMEN", "FOOD_AND_DRINK_RESTAURANT"),
	kw("NOODLE", "FOOD_AND_DRINK_RESTAURANT"), kw("NOODLES", "FOOD_AND_DRINK_RESTAURANT"), kw("THAI", "FOOD_AND_DRINK_RESTAURANT"),
	kw("PIZZA", "FOOD_AND_DRINK_RESTAURANT"), kw("GRILL", "FOOD_AND_DRINK_RESTAURANT"), kw("RESTAURANT", "FOOD_AND_DRINK_RESTAURANT"),
	kw("KITCHEN", "FOOD_AND_DRINK_RESTAURANT"), kw("BISTRO", "FOOD_AND_DRINK_RESTAURANT"), kw("SUSHI", "FOOD_AND_DRINK_RESTAURANT"),
	kw("TACO", "FOOD_AND_DRINK_RESTAURANT"), kw("TAQUERIA", "FOOD_AND_DRINK_RESTAURANT"), kw("DINER", "FOOD_AND_DRINK_RESTAURANT"),
	kw("BBQ", "FOOD_AND_DRINK_RESTAURANT"), kw("STEAKHOUSE", "FOOD_AND_DRINK_RESTAURANT"), kw("TRATTORIA", "FOOD_AND_DRINK_RESTAURANT"),
	kw("RESTAURANTE", "FOOD_AND_DRINK_RESTAURANT"), kw("GASTHAUS", "FOOD_AND_DRINK_RESTAURANT"), kw("CANTINA", "FOOD_AND_DRINK_RESTAURANT"),
	kw("BAKERY", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"), kw("BAECKEREI", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"),
	kw("BÄCKEREI", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"), kw("CREAMERY", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"),
	kw("DONUTS", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"), kw("COOKIES", "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"),
	kw("PUB", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"), kw("TAVERN", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"),
	kw("BREWERY", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"), kw("BREWING", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"),
	kw("LIQUOR", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"), kw("LIQUORS", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"),
	kw("WINE", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"), kw("WINES", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"),
	kw("SPIRITS", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"), kw("BOTTLE SHOP", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"),
	kw("GROCERY", "FOOD_AND_DRINK_GROCERIES"), kw("GROCERIES", "FOOD_AND_DRINK_GROCERIES"), kw("SUPERMARKET", "FOOD_AND_DRINK_GROCERIES"),
	kw("MARKET", "FOOD_AND_DRINK_GROCERIES"), kw("FOODS", "FOOD_AND_DRINK_GROCERIES"), kw("MARKT", "FOOD_AND_DRINK_GROCERIES"),
	kw("VENDING", "FOOD_AND_DRINK_VENDING_MACHINES"),
	kw("PHARMACY", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS"), kw("DRUG", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS"),
	kw("CHEMIST", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS"), kw("APOTHEKE", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS"),
	kw("DENTAL", "MEDICAL_DENTAL_CARE"), kw("DENTIST", "MEDICAL_DENTAL_CARE"), kw("ORTHODONTICS", "MEDICAL_DENTAL_CARE"),
	kw("OPTICAL", "MEDICAL_EYE_CARE"), kw("OPTOMETRY", "MEDICAL_EYE_CARE"), kw("VISION", "MEDICAL_EYE_CARE"),
	kw("VETERINARY", "MEDICAL_VETERINARY_SERVICES"), kw("VET", "MEDICAL_VETERINARY_SERVICES"),
	kw("CLINIC", "MEDICAL_PRIMARY_CARE"), kw("MEDICAL", "MEDICAL_OTHER_MEDICAL"), kw("HOSPITAL", "MEDICAL_OTHER_MEDICAL"),
	kw("GYM", "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"), kw("FITNESS", "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"),
	kw("YOGA", "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"), kw("CROSSFIT", "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS"),
	kw("SALON", "PERSONAL_CARE_HAIR_AND_BEAUTY"), kw("BARBER", "PERSONAL_CARE_HAIR_AND_BEAUTY"),
	kw("BARBERSHOP", "PERSONAL_CARE_HAIR_AND_BEAUTY"), kw("NAILS", "PERSONAL_CARE_HAIR_AND_BEAUTY"), kw("BEAUTY", "PERSONAL_CARE_HAIR_AND_BEAUTY"),
	kw("FRISEUR", "PERSONAL_CARE_HAIR_AND_BEAUTY"), kw("LAUNDRY", "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING"),
	kw("LAUNDROMAT", "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING"), kw("CLEANERS", "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING"),
	kw("AUTOMOTIVE", "GENERAL_SERVICES_AUTOMOTIVE"), kw("TIRE", "GENERAL_SERVICES_AUTOMOTIVE"), kw("TIRES", "GENERAL_SERVICES_AUTOMOTIVE"),
	kw("COLLISION", "GENERAL_SERVICES_AUTOMOTIVE"), kw("AUTO", "GENERAL_SERVICES_AUTOMOTIVE"), kw("MOTORS", "GENERAL_SERVICES_AUTOMOTIVE"),
	kw("INSURANCE", "GENERAL_SERVICES_INSURANCE"), kw("INS", "GENERAL_SERVICES_INSURANCE"), kw("VERSICHERUNG", "GENERAL_SERVICES_INSURANCE"),
	kw("LAW", "GENERAL_SERVICES_CONSULTING_AND_LEGAL"), kw("LEGAL", "GENERAL_SERVICES_CONSULTING_AND_LEGAL"),
	kw("ATTORNEY", "GENERAL_SERVICES_CONSULTING_AND_LEGAL"), kw("ATTORNEYS", "GENERAL_SERVICES_CONSULTING_AND_LEGAL"),
	kw("SCHOOL", "GENERAL_SERVICES_EDUCATION"), kw("UNIVERSITY", "GENERAL_SERVICES_EDUCATION"), kw("COLLEGE", "GENERAL_SERVICES_EDUCATION"),
	kw("ACADEMY", "GENERAL_SERVICES_EDUCATION"), kw("TUITION", "GENERAL_SERVICES_EDUCATION"),
	kw("DAYCARE", "GENERAL_SERVICES_CHILDCARE"), kw("CHILDCARE", "GENERAL_SERVICES_CHILDCARE"),
	kw("SHIPPING", "GENERAL_SERVICES_POSTAGE_AND_SHIPPING"), kw("STORAGE", "GENERAL_SERVICES_STORAGE"),
	kw("CHURCH", "GOVERNMENT_AND_NON_PROFIT_DONATIONS"), kw("DONATION", "GOVERNMENT_AND_NON_PROFIT_DONATIONS"),
	kw("CHARITY", "GOVERNMENT_AND_NON_PROFIT_DONATIONS"), kw("FOUNDATION", "GOVERNMENT_AND_NON_PROFIT_DONATIONS"),
	kw("DMV", "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES"), kw("COUNTY", "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES"),
	kw("IRS", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"), kw("TAX", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"),
	kw("FINANZAMT", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"), kw("HMRC", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"),
	kw("ELECTRIC", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY"), kw("ENERGY", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY"),
	kw("POWER", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY"), kw("STADTWERKE", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY"),
	kw("WATER", "RENT_AND_UTILITIES_WATER"), kw("INTERNET", "RENT_AND_UTILITIES_INTERNET_AND_CABLE"),
	kw("CABLE", "RENT_AND_UTILITIES_INTERNET_AND_CABLE"), kw("BROADBAND", "RENT_AND_UTILITIES_INTERNET_AND_CABLE"),
	kw("WIRELESS", "RENT_AND_UTILITIES_TELEPHONE"), kw("MOBILE", "RENT_AND_UTILITIES_TELEPHONE"), kw("TELECOM", "RENT_AND_UTILITIES_TELEPHONE"),
	kw("WASTE", "RENT_AND_UTILITIES_SEWAGE_AND_WASTE_MANAGEMENT"), kw("RENT", "RENT_AND_UTILITIES_RENT"),
	kw("APARTMENTS", "RENT_AND_UTILITIES_RENT"), kw("MIETE", "RENT_AND_UTILITIES_RENT"),
	kw("CINEMA", "ENTERTAINMENT_TV_AND_MOVIES"), kw("CINEMAS", "ENTERTAINMENT_TV_AND_MOVIES"), kw("THEATRE", "ENTERTAINMENT_TV_AND_MOVIES"),
	kw("THEATER", "ENTERTAINMENT_TV_AND_MOVIES"), kw("MUSEUM", "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS"),
	kw("ZOO", "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS"), kw("TICKETS", "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS"),
	kw("CASINO", "ENTERTAINMENT_CASINOS_AND_GAMBLING"), kw("LOTTERY", "ENTERTAINMENT_CASINOS_AND_GAMBLING"),
	kw("SHOES", "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES"), kw("APPAREL", "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES"),
	kw("CLOTHING", "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES"), kw("BOUTIQUE", "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES"),
	kw("JEWELERS", "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES"), kw("BOOKS", "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS"),
	kw("BOOKSTORE", "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS"), kw("HARDWARE", "HOME_IMPROVEMENT_HARDWARE"),
	kw("LUMBER", "HOME_IMPROVEMENT_HARDWARE"), kw("BAUMARKT", "HOME_IMPROVEMENT_HARDWARE"), kw("FURNITURE", "HOME_IMPROVEMENT_FURNITURE"),
	kw("PET", "GENERAL_MERCHANDISE_PET_SUPPLIES"), kw("PETS", "GENERAL_MERCHANDISE_PET_SUPPLIES"),
	kw("FLORIST", "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES"), kw("FLOWERS", "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES"),
	kw("GIFTS", "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES"), kw("TOBACCO", "GENERAL_MERCHANDISE_TOBACCO_AND_VAPE"),
	kw("VAPE", "GENERAL_MERCHANDISE_TOBACCO_AND_VAPE"), kw("SMOKE", "GENERAL_MERCHANDISE_TOBACCO_AND_VAPE"),
	kw("ELECTRONICS", "GENERAL_MERCHANDISE_ELECTRONICS"),
	kw("PLUMBING", "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"), kw("ROOFING", "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"),
	kw("HVAC", "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"), kw("DRAINAGE", "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"),
	kw("CONSTRUCTION", "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"), kw("REPAIR", "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"),
	kw("PEST", "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"), kw("SECURITY", "HOME_IMPROVEMENT_SECURITY"),
	kw("HOTEL", "TRAVEL_LODGING"), kw("MOTEL", "TRAVEL_LODGING"), kw("INN", "TRAVEL_LODGING"), kw("RESORT", "TRAVEL_LODGING"),
	kw("AIRLINES", "TRAVEL_FLIGHTS"), kw("AIRWAYS", "TRAVEL_FLIGHTS"), kw("AIRLINE", "TRAVEL_FLIGHTS"),
	kw("PARKING", "TRANSPORTATION_PARKING"), kw("TOLL", "TRANSPORTATION_TOLLS"), kw("TOLLS", "TRANSPORTATION_TOLLS"),
	kw("EZTAG", "TRANSPORTATION_TOLLS"), kw("EZPASS", "TRANSPORTATION_TOLLS"), kw("TAXI", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES"),
	kw("CAB", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES"), kw("TRANSIT", "TRANSPORTATION_PUBLIC_TRANSIT"),
	kw("FUEL", "TRANSPORTATION_GAS"), kw("PETROL", "TRANSPORTATION_GAS"), kw("TANKSTELLE", "TRANSPORTATION_GAS"),
	kw("MORTGAGE", "LOAN_PAYMENTS_MORTGAGE_PAYMENT"), kw("LOAN", "LOAN_PAYMENTS_PERSONAL_LOAN_PAYMENT"),
	kw("CARD", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"),
}

// matchKeywords returns the first keyword (in list order) whose words occur
// consecutively in text.
func matchKeywords(text string, list []keyword) (string, bool) {
	tokens := strings.Fields(text)
	for _, k := range list {
		if containsRun(tokens, k.words) {
			return k.detailed, true
		}
	}
	return "", false
}

func containsRun(tokens, run []string) bool {
	for i := 0; i+len(run) <= len(tokens); i++ {
		match := true
		for j, w := range run {
			if tokens[i+j] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
