package synth

// category groups merchants by what decides an amount and a lifecycle.
type category uint8

const (
	catCoffee category = iota
	catFastFood
	catRestaurant
	catBar
	catDelivery
	catGrocery
	catConvenience
	catFuel
	catRideshare
	catTransit
	catRail
	catAir
	catLodging
	catRetail
	catClothing
	catElectronics
	catHome
	catPharmacy
	catMarketplace
	catSubscription
	catDigital
	catTelecom
	catUtilities
	catInsurance
	catEntertainment
	catFitness
	catPets
)

// present says the card is usually present: the merchant has a street
// address, so the transaction has a city.
func (c category) present() bool {
	switch c {
	case catCoffee, catFastFood, catRestaurant, catBar, catGrocery, catConvenience, catFuel, catTransit,
		catRetail, catClothing, catElectronics, catHome, catPharmacy, catEntertainment, catPets:
		return true
	}
	return false
}

// tipped says a tip may be added between authorization and posting.
func (c category) tipped() bool { return c == catRestaurant || c == catBar }

// refundable says goods or tickets bought there are sometimes refunded.
func (c category) refundable() bool {
	switch c {
	case catRetail, catClothing, catElectronics, catHome, catMarketplace, catAir, catRail, catLodging, catPets:
		return true
	}
	return false
}

// merchant is one entry of the catalog.
type merchant struct {
	// name is the clean name an aggregator reports; "" when only the
	// descriptor knows who was paid (a local restaurant behind Square).
	name  string
	mcc   string // ISO 18245 merchant category code
	cat   category
	where countrySet
	// lo and hi bound a typical amount in US dollars; lo == hi is a fixed
	// price (a subscription).
	lo, hi float64
	// weight is the merchant's popularity among those of a country.
	weight int
	tmpls  []template
}

func mk(name, mcc string, cat category, where countrySet, lo, hi float64, weight int, tmpls ...string) merchant {
	return merchant{name: name, mcc: mcc, cat: cat, where: where, lo: lo, hi: hi, weight: weight, tmpls: compileAll(tmpls)}
}

// merchants is the catalog: well-known merchants of the countries accounts
// live in, with descriptors shaped like those on real statements (processor
// prefixes such as "SQ *", "TST* ", "DD *", "APL*", "PAYPAL *", store
// numbers, phone numbers, order references, truncation).
var merchants = []merchant{
	// Coffee.
	mk("Starbucks", "5814", catCoffee, inAll, 3.5, 14, 70, "STARBUCKS STORE {S5} {CITY} {ST}", "STARBUCKS #{S5} {CITY} {ST}", "STARBUCKS {S5}"),
	mk("Dunkin'", "5814", catCoffee, inUS, 2.5, 12, 35, "DUNKIN #{S6} {CITY} {ST}", "DUNKIN #{S6} Q35"),
	mk("Blue Bottle Coffee", "5814", catCoffee, inUS|inJP, 4.5, 16, 8, "SQ *BLUE BOTTLE COFFEE {CITY} {ST}", "BLUE BOTTLE COFFEE {S3} {CITY} {ST}"),
	mk("Peet's Coffee", "5814", catCoffee, inUS, 3.5, 14, 12, "PEETS {S5} {CITY} {ST}", "PEET'S COFFEE #{S5}"),
	mk("Philz Coffee", "5814", catCoffee, inUS, 4, 12, 5, "PHILZ COFFEE {CITY} {ST}", "SQ *PHILZ COFFEE"),
	mk("Costa Coffee", "5814", catCoffee, inGB|inIE, 3, 12, 40, "COSTA COFFEE {S5} {CITY}", "COSTA COFFEE {CITY} {ST}"),
	mk("Caffè Nero", "5814", catCoffee, inGB|inIE, 3, 12, 20, "CAFFE NERO {S4} {CITY}", "NERO {CITY}"),
	mk("Pret A Manger", "5814", catCoffee, inGB|inUS|inFR, 4, 16, 25, "PRET A MANGER {CITY} {ST}", "PRET A MANGER {S3}"),
	mk("Tim Hortons", "5814", catCoffee, inCA|inUS, 2, 12, 40, "TIM HORTONS #{S4} {CITY} {ST}", "TIM HORTONS {S4}"),
	mk("Gloria Jean's", "5814", catCoffee, inAU, 4, 12, 10, "GLORIA JEANS {CITY}", "GLORIA JEANS COFFEES {S3}"),
	mk("Tchibo", "5814", catCoffee, inDE|inCH, 3, 20, 10, "TCHIBO {S5}//{CITY}/{CC}", "TCHIBO FIL. {S4}"),
	mk("Doutor Coffee", "5814", catCoffee, inJP, 2.5, 9, 15, "DOUTOR COFFEE {CITY}", "DOUTOR {S4}"),

	// Fast food.
	mk("McDonald's", "5814", catFastFood, inAll, 5, 22, 60, "MCDONALD'S F{S5} {CITY} {ST}", "MCDONALDS {S5} {CITY} {ST}", "MCDONALD'S {S4}"),
	mk("Burger King", "5814", catFastFood, inUS|inCA|inGB|inEU|inBH, 6, 22, 25, "BURGER KING #{S5} {CITY} {ST}", "BURGER KING {S5}"),
	mk("Hungry Jack's", "5814", catFastFood, inAU, 6, 22, 25, "HUNGRY JACKS {S4} {CITY} {ST}", "HUNGRY JACK'S {S4}"),
	mk("Chipotle", "5814", catFastFood, inUS|inCA, 9, 30, 30, "CHIPOTLE {S4} {CITY} {ST}", "CHIPOTLE MEX GR ONLINE"),
	mk("Subway", "5814", catFastFood, inAll, 6, 20, 25, "SUBWAY {S8} {CITY} {ST}", "SUBWAY {S5}"),
	mk("Taco Bell", "5814", catFastFood, inUS, 5, 20, 20, "TACO BELL #{S6} {CITY} {ST}", "TACO BELL {S6}"),
	mk("Chick-fil-A", "5814", catFastFood, inUS, 6, 25, 25, "CHICK-FIL-A #{S5} {CITY} {ST}", "CHICK-FIL-A #{S5}"),
	mk("Wendy's", "5814", catFastFood, inUS|inCA, 5, 20, 15, "WENDYS #{S4} {CITY} {ST}", "WENDY'S {S4}"),
	mk("KFC", "5814", catFastFood, inAll, 6, 25, 25, "KFC {S4} {CITY} {ST}", "KFC/{CITY}"),
	mk("Domino's", "5814", catFastFood, inUS|inGB|inAU|inEU|inJP|inBH, 12, 40, 20, "DOMINO'S {S4} {D3}-{D3}-{D4}", "DOMINOS PIZZA {CITY}"),
	mk("Pizza Hut", "5814", catFastFood, inUS|inGB|inAU|inJP|inBH, 12, 45, 10, "PIZZA HUT {S6} {CITY} {ST}", "PIZZA HUT {S6}"),
	mk("Five Guys", "5814", catFastFood, inUS|inCA|inGB|inEU, 12, 30, 10, "FIVE GUYS {S4} {CITY} {ST}", "FIVE GUYS {CITY}"),
	mk("Shake Shack", "5814", catFastFood, inUS|inGB|inJP|inBH, 12, 35, 10, "TST* SHAKE SHACK {S4}", "SHAKE SHACK {S4} {CITY} {ST}"),
	mk("Panera Bread", "5814", catFastFood, inUS, 9, 30, 15, "PANERA BREAD #{S6} {CITY} {ST}", "PANERA BREAD #{S6} K"),
	mk("Sweetgreen", "5814", catFastFood, inUS, 12, 24, 10, "SWEETGREEN {CITY} {ST}", "SWEETGREEN #{S3}"),
	mk("Greggs", "5814", catFastFood, inGB, 2, 10, 30, "GREGGS PLC {CITY}", "GREGGS {S4} {CITY}"),
	mk("Guzman y Gomez", "5814", catFastFood, inAU, 12, 30, 10, "GUZMAN Y GOMEZ {CITY}", "GYG {S3} {CITY}"),

	// Restaurants and bars: the tip comes after the authorization.
	mk("", "5812", catRestaurant, inUS, 18, 120, 25, "TST* {RESTN} {CITY} {ST}", "TST* {RESTN}"),
	mk("", "5812", catRestaurant, inUS|inCA|inAU|inGB|inJP, 12, 90, 25, "SQ *{RESTN} {CITY} {ST}", "SQ *{RESTN}"),
	mk("", "5812", catRestaurant, inGB|inEU|inCH, 12, 90, 20, "ZETTLE_*{RESTN}", "SUMUP *{RESTN} {CITY}"),
	mk("Olive Garden", "5812", catRestaurant, inUS, 30, 120, 8, "OLIVE GARDEN {S4} {CITY} {ST}", "OLIVE GARDEN {S4}"),
	mk("The Cheesecake Factory", "5812", catRestaurant, inUS, 40, 180, 6, "THE CHEESECAKE FACTORY {S4} {CITY} {ST}", "CHEESECAKE {CITY}"),
	mk("Texas Roadhouse", "5812", catRestaurant, inUS, 30, 120, 6, "TEXAS ROADHOUSE #{S4} {CITY} {ST}"),
	mk("Nando's", "5812", catRestaurant, inGB|inIE|inAU|inCA, 12, 60, 15, "NANDOS {CITY}", "NANDO'S {S4} {CITY}"),
	mk("Wagamama", "5812", catRestaurant, inGB|inIE|inNL, 18, 70, 10, "WAGAMAMA {S4} {CITY}", "WAGAMAMA LTD {CITY}"),
	mk("Dishoom", "5812", catRestaurant, inGB, 30, 120, 4, "DISHOOM {CITY}"),
	mk("Vapiano", "5812", catRestaurant, inDE|inNL|inCH, 15, 60, 6, "VAPIANO {CITY}", "VAPIANO SE {S3}//{CITY}/{CC}"),
	mk("J D Wetherspoon", "5813", catBar, inGB|inIE, 5, 60, 15, "J D WETHERSPOON {CITY}", "JD WETHERSPOON {S4} {CITY}"),
	mk("All Bar One", "5813", catBar, inGB, 10, 90, 5, "ALL BAR ONE {CITY}"),

	// Delivery apps.
	mk("DoorDash", "5812", catDelivery, inUS|inCA|inAU, 15, 70, 25, "DD *DOORDASH {REST}", "DOORDASH*{RESTN}", "DD *DOORDASH DASHPASS"),
	mk("Uber Eats", "5812", catDelivery, inAll&^inBH, 15, 70, 20, "UBER *EATS HELP.UBER.COM", "UBER   *EATS", "UBER* EATS {R8}"),
	mk("Grubhub", "5812", catDelivery, inUS, 15, 70, 8, "GRUBHUB*{RESTN}", "GRUBHUB*{REST}"),
	mk("Deliveroo", "5812", catDelivery, inGB|inIE, 15, 60, 20, "DELIVEROO.CO.UK", "DELIVEROO LONDON"),
	mk("Deliveroo", "5812", catDelivery, inFR|inIT, 15, 60, 12, "DELIVEROO.FR PARIS", "DELIVEROO {CITY}"),
	mk("Just Eat", "5812", catDelivery, inGB|inIE|inES|inIT, 15, 60, 12, "JUST EAT.CO.UK LTD LONDON", "JUST EAT {CITY}"),
	mk("Lieferando", "5812", catDelivery, inDE, 15, 60, 15, "LIEFERANDO.DE BERLIN", "LIEFERANDO {R8}"),
	mk("Thuisbezorgd", "5812", catDelivery, inNL, 15, 60, 15, "THUISBEZORGD.NL AMSTERDAM", "THUISBEZORGD {R8}"),
	mk("Menulog", "5812", catDelivery, inAU, 15, 60, 8, "MENULOG PTY LTD SYDNEY"),
	mk("Talabat", "5812", catDelivery, inBH, 8, 45, 25, "TALABAT.COM MANAMA BH", "TALABAT BAHRAIN"),
	mk("Glovo", "5812", catDelivery, inES|inIT, 12, 50, 10, "GLOVO {R8} BARCELONA", "GLOVOAPP {CITY}"),
	mk("Instacart", "5411", catDelivery, inUS|inCA, 35, 220, 10, "INSTACART*{D3}", "INSTACART HTTPSINSTACAR CA"),

	// Groceries.
	mk("Whole Foods Market", "5411", catGrocery, inUS|inGB, 15, 220, 30, "WHOLEFDS {R3} {S5}", "WHOLE FOODS MARKET {S5} {CITY} {ST}"),
	mk("Trader Joe's", "5411", catGrocery, inUS, 10, 120, 30, "TRADER JOE S #{S3} {CITY} {ST}", "TRADER JOES #{S3}"),
	mk("Safeway", "5411", catGrocery, inUS, 10, 180, 20, "SAFEWAY #{S4} {CITY} {ST}", "SAFEWAY {S4}"),
	mk("Kroger", "5411", catGrocery, inUS, 10, 180, 25, "KROGER #{S3} {CITY} {ST}", "KROGER {S3}"),
	mk("Publix", "5411", catGrocery, inUS, 10, 180, 15, "PUBLIX #{S4} {CITY} {ST}", "PUBLIX SUPER MAR {S4} {CITY} {ST}"),
	mk("H-E-B", "5411", catGrocery, inUS, 10, 180, 12, "H-E-B #{S3} {CITY} {ST}", "HEB ONLINE #{S3}"),
	mk("Wegmans", "5411", catGrocery, inUS, 10, 180, 8, "WEGMANS #{S3} {CITY} {ST}"),
	mk("Walmart", "5411", catGrocery, inUS, 10, 250, 40, "WAL-MART #{S4} {CITY} {ST}", "WM SUPERCENTER #{S4} {CITY} {ST}", "WALMART.COM 8009666546 AR"),
	mk("Target", "5310", catRetail, inUS, 8, 200, 30, "TARGET {S8} {CITY} {ST}", "TARGET T-{S4} {CITY} {ST}", "TARGET.COM * 800-591-3869 MN"),
	mk("Costco", "5300", catGrocery, inUS|inCA|inGB|inAU|inJP, 30, 400, 20, "COSTCO WHSE #{S4} {CITY} {ST}", "COSTCO WHOLESALE #{S4}"),
	mk("Aldi", "5411", catGrocery, inUS|inGB|inIE|inDE|inFR|inNL|inES|inIT|inAU|inCH, 8, 120, 30, "ALDI {S5} {CITY} {ST}", "ALDI {S3}", "ALDI SAGT DANKE {S4}"),
	mk("Lidl", "5411", catGrocery, inUS|inGB|inEU|inCH, 8, 120, 30, "LIDL {S4} {CITY} {ST}", "LIDL GB {CITY}", "LIDL SAGT DANKE"),
	mk("Tesco", "5411", catGrocery, inGB|inIE, 5, 150, 60, "TESCO STORES {S4} {CITY} {ST}", "TESCO STORE {S4}", "TESCO EXPRESS {S4} {CITY}"),
	mk("Sainsbury's", "5411", catGrocery, inGB, 5, 150, 40, "SAINSBURYS S/MKTS {CITY}", "SAINSBURY'S {S4} {CITY}"),
	mk("Asda", "5411", catGrocery, inGB, 5, 150, 30, "ASDA STORES {S4} {CITY}", "ASDA SUPERSTORE {CITY}"),
	mk("Morrisons", "5411", catGrocery, inGB, 5, 150, 20, "WM MORRISONS {S3} {CITY}", "MORRISONS {CITY}"),
	mk("Waitrose", "5411", catGrocery, inGB, 5, 150, 15, "WAITROSE {S3} {CITY}", "WAITROSE & PARTNERS {S3}"),
	mk("Marks & Spencer", "5411", catGrocery, inGB|inIE, 4, 80, 20, "M&S SIMPLY FOOD - {CITY}", "MARKS&SPENCER PLC {S4} {CITY}"),
	mk("Co-op", "5411", catGrocery, inGB, 3, 60, 20, "CO-OP GROUP {S6} {CITY}", "CO-OP {CITY}"),
	mk("Ocado", "5411", catGrocery, inGB, 40, 180, 6, "OCADO RETAIL LTD HATFIELD"),
	mk("Dunnes Stores", "5411", catGrocery, inIE, 5, 150, 25, "DUNNES STORES {CITY}", "DUNNES {S3}"),
	mk("SuperValu", "5411", catGrocery, inIE, 5, 120, 15, "SUPERVALU {CITY}"),
	mk("REWE", "5411", catGrocery, inDE, 5, 150, 40, "REWE MARKT GMBH//{CITY}/DE", "REWE {S4} {CITY}", "REWE SAGT DANKE. {D8}"),
	mk("EDEKA", "5411", catGrocery, inDE, 5, 150, 35, "EDEKA {S4}//{CITY}/DE", "EDEKA CENTER {CITY}"),
	mk("Kaufland", "5411", catGrocery, inDE, 5, 150, 15, "KAUFLAND {S4}//{CITY}/DE"),
	mk("Netto", "5411", catGrocery, inDE, 5, 100, 10, "NETTO MARKEN-DISCOUNT {S4}//{CITY}/DE"),
	mk("Carrefour", "5411", catGrocery, inFR|inES|inIT|inBH, 5, 150, 40, "CARREFOUR {CITY}", "CARREFOUR CITY {S4} {CITY}", "CARREFOUR MARKET {CITY}"),
	mk("Monoprix", "5411", catGrocery, inFR, 5, 120, 25, "MONOPRIX {S4} {CITY}", "MONOPRIX {CITY}"),
	mk("Franprix", "5411", catGrocery, inFR, 3, 80, 20, "FRANPRIX {S4} {CITY}"),
	mk("E.Leclerc", "5411", catGrocery, inFR, 10, 200, 20, "E.LECLERC {CITY}", "LECLERC {S4}"),
	mk("Albert Heijn", "5411", catGrocery, inNL, 5, 150, 50, "ALBERT HEIJN {S4} {CITY}", "AH TO GO {S4} {CITY}"),
	mk("Jumbo", "5411", catGrocery, inNL, 5, 150, 30, "JUMBO {CITY}", "JUMBO {S4} {CITY}"),
	mk("Mercadona", "5411", catGrocery, inES, 5, 150, 50, "MERCADONA {CITY}", "MERCADONA S.A. {S4}"),
	mk("Dia", "5411", catGrocery, inES, 3, 80, 15, "DIA {S5} {CITY}"),
	mk("Esselunga", "5411", catGrocery, inIT, 5, 150, 30, "ESSELUNGA {CITY}", "ESSELUNGA SPA {S3}"),
	mk("Conad", "5411", catGrocery, inIT, 5, 150, 30, "CONAD {CITY}", "CONAD SUPERSTORE {CITY}"),
	mk("Woolworths", "5411", catGrocery, inAU, 5, 200, 60, "WOOLWORTHS {S4} {CITY} {CC}", "WOOLWORTHS {S4} {CITY}", "WOOLWORTHS ONLINE"),
	mk("Coles", "5411", catGrocery, inAU, 5, 200, 55, "COLES {S4} {CITY} {ST}", "COLES EXPRESS {S4} {CITY}"),
	mk("IGA", "5411", catGrocery, inAU, 5, 100, 10, "IGA {CITY}"),
	mk("Loblaws", "5411", catGrocery, inCA, 10, 200, 25, "LOBLAWS {S4} {CITY} {ST}"),
	mk("Metro", "5411", catGrocery, inCA, 10, 180, 15, "METRO {S3} {CITY} {ST}"),
	mk("Sobeys", "5411", catGrocery, inCA, 10, 180, 10, "SOBEYS #{S3} {CITY} {ST}"),
	mk("Aeon", "5411", catGrocery, inJP, 5, 120, 25, "AEON MALL {CITY}", "AEON {S4}"),
	mk("Migros", "5411", catGrocery, inCH, 5, 150, 50, "MIGROS {CITY}", "MIGROS M {S4} {CITY}"),
	mk("Coop", "5411", catGrocery, inCH, 5, 150, 45, "COOP-{S4} {CITY}", "COOP PRONTO {CITY}"),
	mk("Denner", "5411", catGrocery, inCH, 5, 80, 15, "DENNER {CITY}"),
	mk("Lulu Hypermarket", "5411", catGrocery, inBH, 5, 150, 30, "LULU HYPERMARKET {CITY}", "LULU HYPER {S3}"),
	mk("Al Jazira Supermarket", "5411", catGrocery, inBH, 5, 120, 20, "AL JAZIRA SUPERMARKET {CITY}"),

	// Convenience.
	mk("7-Eleven", "5499", catConvenience, inUS|inCA|inAU|inJP, 2, 30, 25, "7-ELEVEN {S5} {CITY} {ST}", "7-ELEVEN {S5}"),
	mk("Wawa", "5499", catConvenience, inUS, 3, 30, 10, "WAWA {S4} {CITY} {ST}"),
	mk("Lawson", "5499", catConvenience, inJP, 2, 20, 25, "LAWSON {CITY}", "LAWSON {S5}"),
	mk("FamilyMart", "5499", catConvenience, inJP, 2, 20, 25, "FAMILYMART {CITY}", "FAMILYMART {S5}"),
	mk("Spar", "5499", catConvenience, inGB|inIE|inNL|inCH, 2, 30, 10, "SPAR {S4} {CITY}"),

	// Fuel: pending at the pump as a round pre-authorization.
	mk("Shell", "5541", catFuel, inAll&^inJP, 25, 90, 25, "SHELL OIL {D11} {CITY} {ST}", "SHELL {S4} {CITY}", "SHELL {CITY} {ST}"),
	mk("Chevron", "5542", catFuel, inUS, 25, 90, 15, "CHEVRON {S7} {CITY} {ST}", "CHEVRON {S7}"),
	mk("ExxonMobil", "5542", catFuel, inUS, 25, 90, 15, "EXXON {S8} {CITY} {ST}", "EXXONMOBIL {S8} {CITY} {ST}"),
	mk("BP", "5541", catFuel, inUS|inGB|inDE|inNL|inAU, 25, 90, 15, "BP {S8} {CITY} {ST}", "BP CONNECT {CITY}"),
	mk("76", "5542", catFuel, inUS, 25, 90, 8, "76 - {S8} {CITY} {ST}"),
	mk("Esso", "5541", catFuel, inGB|inFR|inDE|inIT|inNL|inCA, 25, 90, 12, "ESSO {CITY}", "ESSO {S4} {CITY}"),
	mk("Aral", "5541", catFuel, inDE, 25, 90, 15, "ARAL STATION {S6}//{CITY}/DE"),
	mk("TotalEnergies", "5541", catFuel, inFR|inNL|inBH, 25, 90, 15, "TOTALENERGIES {CITY}", "STATION TOTAL {S4}"),
	mk("Ampol", "5541", catFuel, inAU, 25, 90, 12, "AMPOL {CITY} {S4}", "AMPOLFOODARY {CITY}"),
	mk("Petro-Canada", "5541", catFuel, inCA, 25, 90, 12, "PETRO-CANADA {S5} {CITY} {ST}"),
	mk("ENEOS", "5541", catFuel, inJP, 25, 90, 12, "ENEOS {CITY}", "ENEOS SS {S4}"),
	mk("Bapco", "5541", catFuel, inBH, 10, 40, 15, "BAPCO {CITY}", "BAPCO STATION {S3}"),

	// Rides.
	mk("Uber", "4121", catRideshare, inAll, 7, 60, 30, "UBER *TRIP HELP.UBER.COM", "UBER *TRIP {R4}", "UBER   *TRIP", "UBER TRIP {R4} HELP.UBER.COM CA"),
	mk("Lyft", "4121", catRideshare, inUS|inCA, 7, 60, 15, "LYFT *RIDE {DOW} {H12}", "LYFT   *RIDE", "LYFT *{R4} LYFT.COM CA"),
	mk("Bolt", "4121", catRideshare, inGB|inEU, 6, 40, 10, "BOLT.EU/O/{D10}", "BOLT.EU/R/{D10}"),
	mk("FREENOW", "4121", catRideshare, inDE|inIE|inES|inGB, 8, 50, 8, "FREENOW*{R8}", "FREE NOW {CITY}"),
	mk("Careem", "4121", catRideshare, inBH, 4, 30, 15, "CAREEM RIDE {R8}", "CAREEM NETWORKS"),

	// Public transport and rail.
	mk("Transport for London", "4111", catTransit, inGB, 1.75, 8.5, 25, "TFL TRAVEL CH TFL.GOV.UK/CP", "TFL TRAVEL CHARGE {CITY}"),
	mk("Transport for NSW", "4111", catTransit, inAU, 2, 10, 20, "TRANSPORTFORNSW OPAL CHIPPENDALE", "TRANSPORT FOR NSW OPAL SYDNEY"),
	mk("MTA", "4111", catTransit, inUS, 2.9, 35, 12, "MTA*NYCT PAYGO NEW YORK NY", "MTA*METROCARD/MACHINE {D6}"),
	mk("RATP", "4111", catTransit, inFR, 2, 10, 15, "RATP {CITY}", "RATP PARIS"),
	mk("GVB", "4111", catTransit, inNL, 2, 10, 10, "GVB AMSTERDAM", "GVB {S3}"),
	mk("PRESTO", "4111", catTransit, inCA, 3, 40, 10, "PRESTO FARE/{D6} TORONTO ON"),
	mk("JR East", "4112", catRail, inJP, 1.5, 90, 20, "JR EAST {CITY}", "JR EAST ﾓﾊﾞｲﾙSUICA"),
	mk("Amtrak", "4112", catRail, inUS, 15, 250, 4, "AMTRAK .CO{D9} WASHINGTON DC", "AMTRAK {R6}"),
	mk("Trainline", "4112", catRail, inGB|inEU, 8, 150, 10, "TRAINLINE.COM", "TRAINLINE {CITY}"),
	mk("Deutsche Bahn", "4112", catRail, inDE, 8, 150, 15, "DB VERTRIEB GMBH FRANKFURT", "DB BAHN A-NR {R6}"),
	mk("SNCF", "4112", catRail, inFR, 8, 150, 12, "SNCF INTERNET PARIS", "SNCF-VOYAGEURS {CITY}"),
	mk("NS", "4112", catRail, inNL, 3, 60, 15, "NS GROEP IZ NS REIZIGERS UTRECHT"),
	mk("Renfe", "4112", catRail, inES, 5, 120, 10, "RENFE VIAJEROS {CITY}"),
	mk("Trenitalia", "4112", catRail, inIT, 5, 120, 12, "TRENITALIA {CITY}", "TRENITALIA WEB"),
	mk("SBB", "4112", catRail, inCH, 3, 120, 25, "SBB CFF FFS {CITY}", "SBB EASYRIDE"),

	// Air and lodging.
	mk("Delta Air Lines", "4511", catAir, inUS, 90, 900, 3, "DELTA AIR {D13}", "DELTA AIR LINES ATLANTA GA"),
	mk("United Airlines", "4511", catAir, inUS, 90, 900, 3, "UNITED {D13} 800-932-2732 TX"),
	mk("American Airlines", "4511", catAir, inUS, 90, 900, 3, "AMERICAN AIR{D10}", "AMERICAN AIRLINES {D13} FORT WORTH TX"),
	mk("Southwest Airlines", "4511", catAir, inUS, 60, 600, 3, "SOUTHWES {D10} 800-435-9792 TX"),
	mk("British Airways", "4511", catAir, inGB, 80, 900, 3, "BRITISH A {D10}", "BRITISH AIRWAYS {D13}"),
	mk("Ryanair", "4511", catAir, inGB|inEU, 25, 250, 4, "RYANAIR {R8} DUBLIN", "RYANAIR LTD"),
	mk("easyJet", "4511", catAir, inGB|inEU|inCH, 30, 300, 4, "EASYJET {R7} LUTON", "EASYJET AIRLINE"),
	mk("Lufthansa", "4511", catAir, inDE|inCH, 90, 900, 3, "LUFTHANSA {D13}", "DLH {D13}"),
	mk("Air France", "4511", catAir, inFR, 90, 900, 3, "AIR FRANCE {D13}"),
	mk("KLM", "4511", catAir, inNL, 90, 900, 3, "KLM {D13}"),
	mk("Qantas", "4511", catAir, inAU, 90, 900, 4, "QANTAS AIR {D10} MASCOT"),
	mk("Air Canada", "4511", catAir, inCA, 90, 900, 3, "AIR CAN* {D10}"),
	mk("ANA", "4511", catAir, inJP, 90, 900, 3, "ANA {D10}"),
	mk("Gulf Air", "4511", catAir, inBH, 90, 900, 4, "GULF AIR {D13}"),
	mk("Airbnb", "7011", catLodging, inAll, 80, 600, 4, "AIRBNB * {R10}", "AIRBNB * HM{R8} 415-800-5959 CA"),
	mk("Marriott", "7011", catLodging, inAll, 120, 600, 2, "MARRIOTT {CITY} {ST}", "MARRIOTT HOTEL {S4} {CITY}"),
	mk("Hilton", "7011", catLodging, inAll, 110, 550, 2, "HILTON HOTELS {CITY} {ST}", "HILTON GARDEN INN {CITY}"),
	mk("Booking.com", "7011", catLodging, inAll&^inUS, 70, 500, 4, "BOOKING.COM HOTEL AMSTERDAM", "BKG*HOTEL AT BOOKING.C {D3}-{D3}-{D4} NL"),
	mk("Expedia", "4722", catLodging, inUS|inCA|inGB|inAU, 80, 900, 3, "EXPEDIA {D13} EXPEDIA.COM WA"),
	mk("Premier Inn", "7011", catLodging, inGB, 60, 200, 3, "PREMIER INN {S5} {CITY}"),

	// Marketplaces and online shops.
	mk("Amazon", "5942", catMarketplace, inUS, 6, 200, 60, "AMZN Mktp US*{R6}", "Amazon.com*{R6}", "AMAZON.COM*{R6} AMZN.COM/BILL WA", "AMZN Mktp US*{R6} Amzn.com/bill WA"),
	mk("Amazon", "5942", catMarketplace, inGB|inIE, 5, 160, 50, "AMZNMktplace*{R6}", "AMAZON.CO.UK*{R6}", "Amazon.co.uk*{R6} AMAZON.CO.UK"),
	mk("Amazon", "5942", catMarketplace, inDE|inCH, 5, 160, 50, "AMAZON.DE*{R6}", "AMZN Mktp DE*{R6}"),
	mk("Amazon", "5942", catMarketplace, inFR, 5, 160, 40, "AMAZON.FR*{R6}", "AMZN Mktp FR*{R6}"),
	mk("Amazon", "5942", catMarketplace, inES, 5, 160, 40, "AMZN Mktp ES*{R6}", "AMAZON.ES*{R6}"),
	mk("Amazon", "5942", catMarketplace, inIT, 5, 160, 40, "AMZN Mktp IT*{R6}", "AMAZON.IT*{R6}"),
	mk("Amazon", "5942", catMarketplace, inNL, 5, 160, 25, "AMAZON.NL*{R6}", "AMZN Mktp NL*{R6}"),
	mk("Amazon", "5942", catMarketplace, inAU, 5, 160, 40, "AMAZON AU MARKETPLACE SYDNEY", "AMAZON AU RETAIL SYDNEY"),
	mk("Amazon", "5942", catMarketplace, inCA, 5, 160, 45, "AMZN Mktp CA*{R6}", "Amazon.ca*{R6}"),
	mk("Amazon", "5942", catMarketplace, inJP, 5, 160, 40, "AMAZON.CO.JP", "AMAZON CO JP"),
	mk("Amazon Prime", "5968", catSubscription, inUS, 14.99, 14.99, 8, "Amazon Prime*{R6}", "AMAZON PRIME*{R6} AMZN.COM/BILL WA"),
	mk("Amazon Prime", "5968", catSubscription, inGB|inIE|inDE|inFR|inES|inIT|inCA|inAU|inJP, 11.5, 11.5, 6, "Amazon Prime*{R6}", "AMAZON PRIME MEMBERSHIP"),
	mk("eBay", "5999", catMarketplace, inUS|inGB|inDE|inAU|inCA|inIT|inFR, 5, 200, 12, "EBAY O*{D2}-{D5}-{D5}", "EBAY *{R8}"),
	mk("Etsy", "5999", catMarketplace, inUS|inGB|inEU|inAU|inCA, 8, 120, 8, "ETSY, INC. BROOKLYN NY", "ETSY.COM - {SHOP}"),
	mk("", "5999", catMarketplace, inAll, 5, 150, 15, "PAYPAL *{SHOP} {D10}", "PAYPAL *{SHOP}"),
	mk("Shein", "5651", catMarketplace, inAll&^inJP, 8, 90, 10, "SHEIN.COM", "SHEIN *{R8}"),
	mk("Temu", "5999", catMarketplace, inAll, 5, 80, 10, "TEMU.COM", "TEMU.COM 8884958368 DE"),
	mk("AliExpress", "5999", catMarketplace, inAll, 3, 80, 8, "ALIEXPRESS", "ALIEXPRESS.COM LONDON"),
	mk("Zalando", "5691", catClothing, inDE|inNL|inFR|inES|inIT|inIE|inCH, 20, 200, 15, "ZALANDO SE BERLIN", "ZALANDO.DE"),
	mk("bol.com", "5999", catMarketplace, inNL, 5, 200, 25, "BOL.COM BV UTRECHT", "BOL.COM {D10}"),
	mk("Otto", "5311", catMarketplace, inDE, 15, 300, 10, "OTTO GMBH&CO KG HAMBURG"),
	mk("Chewy", "5995", catPets, inUS, 20, 150, 6, "CHEWY.COM 800-672-4399 FL"),

	// High street and big box.
	mk("Argos", "5311", catRetail, inGB|inIE, 8, 250, 12, "ARGOS LTD {CITY}", "ARGOS RETAIL"),
	mk("John Lewis", "5311", catRetail, inGB, 15, 400, 8, "JOHN LEWIS {CITY}", "JOHN LEWIS.CO.UK"),
	mk("Primark", "5651", catClothing, inGB|inEU|inUS, 5, 80, 12, "PRIMARK {CITY}", "PRIMARK STORES {S4}"),
	mk("IKEA", "5712", catHome, inAll, 10, 400, 10, "IKEA {CITY}", "IKEA {S3} {CITY} {ST}"),
	mk("H&M", "5651", catClothing, inAll, 10, 150, 15, "H&M {S4} {CITY} {ST}", "H & M {S3} {CITY}", "HM.COM"),
	mk("Zara", "5651", catClothing, inAll, 15, 200, 12, "ZARA {S4} {CITY}", "ZARA.COM"),
	mk("Uniqlo", "5651", catClothing, inUS|inGB|inEU|inAU|inJP|inCA, 10, 150, 10, "UNIQLO {CITY}", "UNIQLO {S3} {CITY} {ST}"),
	mk("Nike", "5661", catClothing, inAll, 25, 250, 8, "NIKE.COM 800-806-6453 OR", "NIKE {S3} {CITY} {ST}", "NIKE FACTORY STORE {S3}"),
	mk("Old Navy", "5651", catClothing, inUS|inCA, 10, 120, 10, "OLD NAVY US {S4} {CITY} {ST}", "OLDNAVY.COM"),
	mk("Macy's", "5311", catRetail, inUS, 15, 300, 8, "MACYS {CITY} {ST}", "MACY'S .COM 800-289-6229 OH"),
	mk("TJ Maxx", "5651", catClothing, inUS, 10, 150, 10, "TJ MAXX #{S4} {CITY} {ST}"),
	mk("TK Maxx", "5651", catClothing, inGB|inIE|inDE|inAU, 10, 150, 10, "TK MAXX {S4} {CITY}"),
	mk("Sephora", "5977", catRetail, inUS|inCA|inFR|inES|inIT|inAU, 12, 150, 8, "SEPHORA {S4} {CITY} {ST}", "SEPHORA.COM 877-737-4672 CA"),
	mk("Ulta Beauty", "5977", catRetail, inUS, 10, 120, 6, "ULTA #{S3} {CITY} {ST}"),
	mk("Dollar Tree", "5331", catRetail, inUS, 1.25, 40, 10, "DOLLAR TREE {S5} {CITY} {ST}", "DOLLARTREE {S5}"),
	mk("Kmart", "5311", catRetail, inAU, 5, 150, 20, "KMART {S4} {CITY} {ST}"),
	mk("Big W", "5311", catRetail, inAU, 5, 150, 10, "BIG W {S4} {CITY}"),
	mk("Canadian Tire", "5251", catHome, inCA, 10, 300, 15, "CANADIAN TIRE #{S3} {CITY} {ST}"),
	mk("Don Quijote", "5331", catRetail, inJP, 3, 100, 15, "DON QUIJOTE {CITY}", "ﾄﾞﾝ･ｷﾎｰﾃ {S3}"),
	mk("Daiso", "5331", catRetail, inJP|inUS|inAU, 1.5, 30, 10, "DAISO {CITY}"),
	mk("Manor", "5311", catRetail, inCH, 10, 300, 10, "MANOR {CITY}"),
	mk("City Centre Bahrain", "5311", catRetail, inBH, 10, 300, 10, "CITY CENTRE BAHRAIN", "CITY CENTRE {S3} MANAMA"),

	// Electronics and home improvement.
	mk("Apple Store", "5732", catElectronics, inAll, 29, 2400, 3, "APPLE STORE #R{S3} {CITY} {ST}", "APPLE ONLINE STORE", "APL* APPLE ONLINE STORE"),
	mk("Best Buy", "5732", catElectronics, inUS|inCA, 15, 1500, 8, "BEST BUY {S8} {CITY} {ST}", "BESTBUY.COM {D12}"),
	mk("Currys", "5732", catElectronics, inGB|inIE, 15, 1200, 6, "CURRYS {S4} {CITY}", "CURRYS PC WORLD {CITY}"),
	mk("MediaMarkt", "5732", catElectronics, inDE|inES|inNL|inIT|inCH, 15, 1200, 8, "MEDIA MARKT {CITY}", "MEDIAMARKT {S4} {CITY}"),
	mk("Fnac", "5732", catElectronics, inFR|inES, 10, 800, 8, "FNAC {CITY}", "FNAC.COM"),
	mk("JB Hi-Fi", "5732", catElectronics, inAU, 15, 1200, 8, "JB HI FI {CITY} {ST}"),
	mk("Yodobashi Camera", "5732", catElectronics, inJP, 10, 1200, 8, "YODOBASHI CAMERA {CITY}"),
	mk("Digitec Galaxus", "5732", catElectronics, inCH, 15, 1200, 8, "DIGITEC GALAXUS AG ZURICH"),
	mk("The Home Depot", "5200", catHome, inUS|inCA, 10, 500, 15, "THE HOME DEPOT #{S4} {CITY} {ST}", "HOMEDEPOT.COM"),
	mk("Lowe's", "5200", catHome, inUS, 10, 500, 10, "LOWES #{S5}* {CITY} {ST}", "LOWE'S #{S4}"),
	mk("B&Q", "5200", catHome, inGB|inIE, 10, 400, 8, "B & Q {S4} {CITY}", "B&Q {CITY}"),
	mk("Bunnings", "5200", catHome, inAU, 10, 400, 20, "BUNNINGS {S6} {CITY}", "BUNNINGS WAREHOUSE {CITY}"),
	mk("OBI", "5200", catHome, inDE|inIT|inCH, 10, 400, 8, "OBI MARKT {S4} {CITY}"),
	mk("Leroy Merlin", "5200", catHome, inFR|inES|inIT, 10, 400, 8, "LEROY MERLIN {CITY}"),

	// Pharmacies and pets.
	mk("CVS Pharmacy", "5912", catPharmacy, inUS, 5, 80, 25, "CVS/PHARMACY #{S5} {CITY} {ST}", "CVS/PHARMACY #{S5}"),
	mk("Walgreens", "5912", catPharmacy, inUS, 5, 80, 20, "WALGREENS #{S5} {CITY} {ST}", "WALGREENS STORE {S5}"),
	mk("Boots", "5912", catPharmacy, inGB|inIE, 4, 60, 25, "BOOTS {S4} {CITY}", "BOOTS THE CHEMIST {CITY}"),
	mk("Superdrug", "5912", catPharmacy, inGB, 4, 50, 10, "SUPERDRUG STORES {CITY}"),
	mk("dm-drogerie markt", "5912", catPharmacy, inDE, 3, 60, 30, "DM-DROGERIE MARKT {S4}//{CITY}/DE", "DM FIL.{S4} {CITY}"),
	mk("Rossmann", "5912", catPharmacy, inDE, 3, 60, 20, "ROSSMANN {S4}//{CITY}/DE"),
	mk("Chemist Warehouse", "5912", catPharmacy, inAU, 5, 80, 20, "CHEMIST WAREHOUSE {CITY} {ST}"),
	mk("Shoppers Drug Mart", "5912", catPharmacy, inCA, 5, 80, 15, "SHOPPERS DRUG MART #{S4} {CITY} {ST}"),
	mk("Matsumoto Kiyoshi", "5912", catPharmacy, inJP, 3, 60, 15, "MATSUMOTOKIYOSHI {CITY}"),
	mk("Petco", "5995", catPets, inUS, 10, 120, 8, "PETCO {S4} {CITY} {ST}"),
	mk("Pets at Home", "5995", catPets, inGB, 10, 120, 8, "PETS AT HOME {CITY}"),
	mk("Fressnapf", "5995", catPets, inDE|inCH, 10, 120, 8, "FRESSNAPF {S4} {CITY}"),

	// Subscriptions and digital goods.
	mk("Netflix", "4899", catSubscription, inAll, 15.49, 15.49, 12, "NETFLIX.COM", "NETFLIX.COM LOS GATOS CA", "Netflix.com 866-579-7172 CA"),
	mk("Spotify", "5815", catSubscription, inUS, 11.99, 11.99, 12, "SPOTIFY USA", "Spotify USA {R9}", "PAYPAL *SPOTIFY 4029357733"),
	mk("Spotify", "5815", catSubscription, inAll&^inUS, 11.99, 11.99, 12, "Spotify P{R9}", "PAYPAL *SPOTIFY 4029357733", "SPOTIFY AB STOCKHOLM"),
	mk("Hulu", "4899", catSubscription, inUS, 17.99, 17.99, 6, "HULU {D10} HULU.COM/BILLCA", "HULU 877-8244858 CA"),
	mk("Disney+", "4899", catSubscription, inAll, 13.99, 13.99, 8, "DISNEY PLUS {D3}-{D3}-{D4}", "DISNEYPLUS {R8}"),
	mk("YouTube Premium", "5815", catSubscription, inAll, 13.99, 13.99, 6, "GOOGLE *YouTubePremium g.co/helppay#", "GOOGLE *YOUTUBEPREMIUM"),
	mk("Google One", "5818", catSubscription, inAll, 2.99, 2.99, 5, "GOOGLE *Google One g.co/helppay#", "GOOGLE *GOOGLE STORAGE"),
	mk("Google Play", "5818", catDigital, inAll, 0.99, 30, 8, "GOOGLE *Google Play Ap g.co/helppay#", "GOOGLE*GOOGLE PLAY"),
	mk("Apple", "5818", catDigital, inAll, 0.99, 25, 15, "APL*ITUNES.COM/BILL", "APPLE.COM/BILL 866-712-7753 CA", "APPLE.COM/BILL", "APL* APPLE.COM/BILL"),
	mk("Microsoft", "5817", catDigital, inAll, 1.99, 70, 6, "MICROSOFT*XBOX {R6}", "MSFT * E0{D9}", "MICROSOFT*MICROSOFT 365 P"),
	mk("Adobe", "5817", catSubscription, inAll, 22.99, 22.99, 4, "ADOBE *CREATIVE CLOUD 408-536-6000 CA", "ADOBE *ADOBE 800-833-6687 CA", "ADOBE *PHOTOGPHY PLAN"),
	mk("Dropbox", "5817", catSubscription, inAll, 11.99, 11.99, 3, "DROPBOX*{R12}", "DROPBOX {R4}{D8}"),
	mk("OpenAI", "5817", catSubscription, inAll, 20, 20, 5, "OPENAI *CHATGPT SUBSCR OPENAI.COM CA", "OPENAI"),
	mk("PlayStation Network", "5816", catDigital, inAll, 5, 70, 5, "PlayStation Network {D3}-{D3}-{D4}", "SONY PLAYSTATION NETWORK"),
	mk("Steam", "5816", catDigital, inAll, 2, 70, 6, "STEAMGAMES.COM 4259522985", "STEAM PURCHASE 425-889-9642 WA"),
	mk("Nintendo", "5816", catDigital, inAll, 5, 70, 4, "NINTENDO CD{D10}", "NINTENDO ESHOP"),
	mk("Audible", "5815", catSubscription, inUS|inGB|inDE|inFR|inIT|inES|inCA|inAU|inJP, 14.95, 14.95, 4, "Audible*{R6}", "AUDIBLE*{R6} ADBL.CO/BILL"),
	mk("Kindle", "5815", catDigital, inUS|inGB|inDE|inFR|inIT|inES|inCA|inAU|inJP, 0.99, 15, 5, "Kindle Svcs*{R6}", "Kindle Unltd*{R6}"),
	mk("The New York Times", "5994", catSubscription, inUS, 4, 4, 3, "NYTIMES* NYTIMES.COM NEW YORK NY", "NYTIMES.COM"),
	mk("Patreon", "5815", catDigital, inAll, 3, 25, 3, "PATREON* MEMBERSHIP", "PATREON* MEMBERSHIP PATREON.COM CA"),
	mk("Planet Fitness", "7997", catFitness, inUS|inCA|inAU, 24.99, 24.99, 4, "PLANET FITNESS 844-880-7180 NH", "PLANET FITNESS {S4}"),
	mk("PureGym", "7997", catFitness, inGB, 24.99, 24.99, 4, "PUREGYM LTD LEEDS", "PURE GYM {CITY}"),
	mk("Basic-Fit", "7997", catFitness, inNL|inFR|inES|inDE, 29.99, 29.99, 4, "BASIC-FIT {CITY}", "BASIC-FIT INTERNATIONAL"),

	// Bills paid by card.
	mk("Verizon", "4814", catTelecom, inUS, 40, 160, 5, "VZWRLSS*MY VZ VB P", "VERIZON WRLS P{D4}-01"),
	mk("AT&T", "4814", catTelecom, inUS, 40, 160, 5, "ATT*BILL PAYMENT 800-288-2020 TX", "AT&T*BILL PAYMENT"),
	mk("T-Mobile", "4814", catTelecom, inUS, 40, 160, 5, "T-MOBILE*AUTO PAY", "TMOBILE*POSTPAID TEL"),
	mk("Comcast", "4899", catTelecom, inUS, 60, 220, 4, "COMCAST CABLE COMM 800-COMCAST PA", "COMCAST XFINITY"),
	mk("Vodafone", "4814", catTelecom, inGB|inDE|inES|inIT|inNL|inIE|inAU, 15, 80, 5, "VODAFONE LIMITED", "VODAFONE"),
	mk("BT", "4814", catTelecom, inGB, 25, 90, 4, "BT GROUP PLC", "BT.COM"),
	mk("Telstra", "4814", catTelecom, inAU, 30, 120, 5, "TELSTRA SERVICES", "TELSTRA PREPAID {D10}"),
	mk("Deutsche Telekom", "4814", catTelecom, inDE, 20, 90, 5, "TELEKOM DEUTSCHLAND GMBH"),
	mk("Orange", "4814", catTelecom, inFR|inES, 15, 80, 5, "ORANGE SA"),
	mk("Rogers", "4814", catTelecom, inCA, 40, 160, 5, "ROGERS WIRELESS"),
	mk("NTT Docomo", "4814", catTelecom, inJP, 20, 90, 5, "NTT DOCOMO"),
	mk("Swisscom", "4814", catTelecom, inCH, 30, 120, 5, "SWISSCOM (SCHWEIZ) AG"),
	mk("Batelco", "4814", catTelecom, inBH, 15, 80, 5, "BATELCO {D8}"),
	mk("PG&E", "4900", catUtilities, inUS, 40, 250, 3, "PGANDE WEB ONLINE", "PG&E/EZ-PAY"),
	mk("Con Edison", "4900", catUtilities, inUS, 40, 250, 3, "CON ED OF NY INTELL CK"),
	mk("Octopus Energy", "4900", catUtilities, inGB, 40, 250, 3, "OCTOPUS ENERGY", "OCTOPUS ENERGY LTD"),
	mk("British Gas", "4900", catUtilities, inGB, 40, 250, 3, "BRITISH GAS", "BRITISH GAS SERVICES"),
	mk("EDF", "4900", catUtilities, inFR|inGB, 40, 250, 3, "EDF CLIENTS PARTICULIERS", "EDF ENERGY"),
	mk("AGL", "4900", catUtilities, inAU, 40, 250, 3, "AGL SALES PTY LTD"),
	mk("GEICO", "6300", catInsurance, inUS, 60, 250, 2, "GEICO *AUTO 800-841-3000 DC"),
	mk("State Farm", "6300", catInsurance, inUS, 60, 250, 2, "STATE FARM RO 27 SFPP"),
	mk("Aviva", "6300", catInsurance, inGB|inIE, 20, 150, 2, "AVIVA INSURANCE"),
	mk("Allianz", "6300", catInsurance, inDE|inFR|inIT|inCH, 20, 150, 2, "ALLIANZ VERSICHERUNGS-AG"),

	// Going out.
	mk("AMC Theatres", "7832", catEntertainment, inUS, 10, 60, 5, "AMC {S4} ONLINE", "AMC {CITY} {S2} {CITY} {ST}"),
	mk("Regal", "7832", catEntertainment, inUS, 10, 60, 4, "REGAL CINEMAS {CITY} {ST}"),
	mk("Odeon", "7832", catEntertainment, inGB|inIE, 8, 50, 5, "ODEON CINEMAS {CITY}"),
	mk("Vue", "7832", catEntertainment, inGB|inDE|inNL|inIT, 8, 50, 4, "VUE CINEMAS {CITY}"),
	mk("Event Cinemas", "7832", catEntertainment, inAU, 10, 60, 5, "EVENT CINEMAS {CITY}"),
	mk("Ticketmaster", "7922", catEntertainment, inAll, 30, 400, 3, "TICKETMASTER {D3}-{D3}-{D4}", "TM *TICKETMASTER"),
	mk("Eventbrite", "7922", catEntertainment, inAll, 10, 150, 3, "EB *{SHOP} {D10}", "EVENTBRITE {R8}"),
}

// lottery maps a uniform draw to a merchant index in proportion to weight.
type lottery []uint16

func (l lottery) pick(u int) int { return int(l[u]) }

// merchantsIn[c] draws the merchants of country c by popularity;
// refundsIn[c] only those that refund.
var merchantsIn, refundsIn = func() (all, refunds [numCountries]lottery) {
	if len(merchants) > 1<<16 {
		panic("synth: too many merchants for uint16 indices")
	}
	for c := range numCountries {
		for i, m := range merchants {
			if m.where&(1<<c) == 0 {
				continue
			}
			for range m.weight {
				all[c] = append(all[c], uint16(i))
				if m.cat.refundable() {
					refunds[c] = append(refunds[c], uint16(i))
				}
			}
		}
	}
	return all, refunds
}()
