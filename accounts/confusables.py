"""Letters and digits of other scripts that look like ASCII ones, after case folding.

Derived from Unicode's confusables data (UTS #39, confusables.txt, (c) Unicode, Inc.,
Unicode License v3): each letter or digit a username may contain that Unicode lists
as confusable with an ASCII letter or digit, keyed by its case-folded, decomposed
form. Where Unicode lists several look-alikes for a letter, the table keeps the one
Unicode uses as its prototype.
"""

LOOKALIKES: dict[str, str] = {
    "\u00e6": "ae",  # LATIN SMALL LETTER AE
    "\u0131": "i",  # LATIN SMALL LETTER DOTLESS I
    "\u0153": "oe",  # LATIN SMALL LIGATURE OE
    "\u0185": "b",  # LATIN SMALL LETTER TONE SIX
    "\u018d": "g",  # LATIN SMALL LETTER TURNED DELTA
    "\u01a8": "2",  # LATIN SMALL LETTER TONE TWO
    "\u01bd": "s",  # LATIN SMALL LETTER TONE FIVE
    "\u01c0": "l",  # LATIN LETTER DENTAL CLICK
    "\u01c1": "ll",  # LATIN LETTER LATERAL CLICK
    "\u021d": "3",  # LATIN SMALL LETTER YOGH
    "\u0223": "8",  # LATIN SMALL LETTER OU
    "\u0251": "a",  # LATIN SMALL LETTER ALPHA
    "\u025c": "3",  # LATIN SMALL LETTER REVERSED OPEN E
    "\u0261": "g",  # LATIN SMALL LETTER SCRIPT G
    "\u0263": "y",  # LATIN SMALL LETTER GAMMA
    "\u0269": "i",  # LATIN SMALL LETTER IOTA
    "\u026a": "i",  # LATIN LETTER SMALL CAPITAL I
    "\u026f": "w",  # LATIN SMALL LETTER TURNED M
    "\u0280": "r",  # LATIN LETTER SMALL CAPITAL R
    "\u028b": "u",  # LATIN SMALL LETTER V WITH HOOK
    "\u028f": "y",  # LATIN LETTER SMALL CAPITAL Y
    "\u0292": "3",  # LATIN SMALL LETTER EZH
    "\u029d": "j",  # LATIN SMALL LETTER J WITH CROSSED-TAIL
    "\u02a3": "dz",  # LATIN SMALL LETTER DZ DIGRAPH
    "\u02a6": "ts",  # LATIN SMALL LETTER TS DIGRAPH
    "\u02aa": "ls",  # LATIN SMALL LETTER LS DIGRAPH
    "\u02ab": "lz",  # LATIN SMALL LETTER LZ DIGRAPH
    "\u03b1": "a",  # GREEK SMALL LETTER ALPHA
    "\u03b2": "b",  # GREEK SMALL LETTER BETA
    "\u03b3": "y",  # GREEK SMALL LETTER GAMMA
    "\u03b5": "e",  # GREEK SMALL LETTER EPSILON
    "\u03b6": "z",  # GREEK SMALL LETTER ZETA
    "\u03b7": "h",  # GREEK SMALL LETTER ETA
    "\u03b9": "i",  # GREEK SMALL LETTER IOTA
    "\u03ba": "k",  # GREEK SMALL LETTER KAPPA
    "\u03bc": "m",  # GREEK SMALL LETTER MU
    "\u03bd": "v",  # GREEK SMALL LETTER NU
    "\u03bf": "o",  # GREEK SMALL LETTER OMICRON
    "\u03c1": "p",  # GREEK SMALL LETTER RHO
    "\u03c3": "o",  # GREEK SMALL LETTER SIGMA
    "\u03c4": "t",  # GREEK SMALL LETTER TAU
    "\u03c5": "u",  # GREEK SMALL LETTER UPSILON
    "\u03c7": "x",  # GREEK SMALL LETTER CHI
    "\u03dd": "f",  # GREEK SMALL LETTER DIGAMMA
    "\u03e9": "2",  # COPTIC SMALL LETTER HORI
    "\u03f3": "j",  # GREEK LETTER YOT
    "\u03fb": "m",  # GREEK SMALL LETTER SAN
    "\u0430": "a",  # CYRILLIC SMALL LETTER A
    "\u0431": "6",  # CYRILLIC SMALL LETTER BE
    "\u0432": "b",  # CYRILLIC SMALL LETTER VE
    "\u0433": "r",  # CYRILLIC SMALL LETTER GHE
    "\u0435": "e",  # CYRILLIC SMALL LETTER IE
    "\u0437": "3",  # CYRILLIC SMALL LETTER ZE
    "\u043a": "k",  # CYRILLIC SMALL LETTER KA
    "\u043c": "m",  # CYRILLIC SMALL LETTER EM
    "\u043d": "h",  # CYRILLIC SMALL LETTER EN
    "\u043e": "o",  # CYRILLIC SMALL LETTER O
    "\u0440": "p",  # CYRILLIC SMALL LETTER ER
    "\u0441": "c",  # CYRILLIC SMALL LETTER ES
    "\u0442": "t",  # CYRILLIC SMALL LETTER TE
    "\u0443": "y",  # CYRILLIC SMALL LETTER U
    "\u0445": "x",  # CYRILLIC SMALL LETTER HA
    "\u044b": "bl",  # CYRILLIC SMALL LETTER YERU
    "\u044c": "b",  # CYRILLIC SMALL LETTER SOFT SIGN
    "\u044e": "lo",  # CYRILLIC SMALL LETTER YU
    "\u0455": "s",  # CYRILLIC SMALL LETTER DZE
    "\u0456": "i",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
    "\u0458": "j",  # CYRILLIC SMALL LETTER JE
    "\u0461": "w",  # CYRILLIC SMALL LETTER OMEGA
    "\u0475": "v",  # CYRILLIC SMALL LETTER IZHITSA
    "\u04af": "y",  # CYRILLIC SMALL LETTER STRAIGHT U
    "\u04bb": "h",  # CYRILLIC SMALL LETTER SHHA
    "\u04bd": "e",  # CYRILLIC SMALL LETTER ABKHASIAN CHE
    "\u04cf": "i",  # CYRILLIC SMALL LETTER PALOCHKA
    "\u04d5": "ae",  # CYRILLIC SMALL LIGATURE A IE
    "\u04e1": "3",  # CYRILLIC SMALL LETTER ABKHASIAN DZE
    "\u0501": "d",  # CYRILLIC SMALL LETTER KOMI DE
    "\u050d": "g",  # CYRILLIC SMALL LETTER KOMI SJE
    "\u051b": "q",  # CYRILLIC SMALL LETTER QA
    "\u051d": "w",  # CYRILLIC SMALL LETTER WE
    "\u0561": "w",  # ARMENIAN SMALL LETTER AYB
    "\u0563": "q",  # ARMENIAN SMALL LETTER GIM
    "\u0566": "q",  # ARMENIAN SMALL LETTER ZA
    "\u0570": "h",  # ARMENIAN SMALL LETTER HO
    "\u0578": "n",  # ARMENIAN SMALL LETTER VO
    "\u057c": "n",  # ARMENIAN SMALL LETTER RA
    "\u057d": "u",  # ARMENIAN SMALL LETTER SEH
    "\u057f": "s",  # ARMENIAN SMALL LETTER TIWN
    "\u0581": "g",  # ARMENIAN SMALL LETTER CO
    "\u0584": "f",  # ARMENIAN SMALL LETTER KEH
    "\u0585": "o",  # ARMENIAN SMALL LETTER OH
    "\u06f1": "l",  # EXTENDED ARABIC-INDIC DIGIT ONE
    "\u06f5": "o",  # EXTENDED ARABIC-INDIC DIGIT FIVE
    "\u06f7": "v",  # EXTENDED ARABIC-INDIC DIGIT SEVEN
    "\u0966": "o",  # DEVANAGARI DIGIT ZERO
    "\u09e6": "o",  # BENGALI DIGIT ZERO
    "\u09ea": "8",  # BENGALI DIGIT FOUR
    "\u09ed": "9",  # BENGALI DIGIT SEVEN
    "\u0a66": "o",  # GURMUKHI DIGIT ZERO
    "\u0a67": "9",  # GURMUKHI DIGIT ONE
    "\u0a6a": "8",  # GURMUKHI DIGIT FOUR
    "\u0ae6": "o",  # GUJARATI DIGIT ZERO
    "\u0b20": "o",  # ORIYA LETTER TTHA
    "\u0b66": "o",  # ORIYA DIGIT ZERO
    "\u0b68": "9",  # ORIYA DIGIT TWO
    "\u0be6": "o",  # TAMIL DIGIT ZERO
    "\u0c66": "o",  # TELUGU DIGIT ZERO
    "\u0ce6": "o",  # KANNADA DIGIT ZERO
    "\u0d20": "o",  # MALAYALAM LETTER TTHA
    "\u0d66": "o",  # MALAYALAM DIGIT ZERO
    "\u0d6d": "9",  # MALAYALAM DIGIT SEVEN
    "\u0e50": "o",  # THAI DIGIT ZERO
    "\u0ed0": "o",  # LAO DIGIT ZERO
    "\u101d": "o",  # MYANMAR LETTER WA
    "\u1040": "o",  # MYANMAR DIGIT ZERO
    "\u10e7": "y",  # GEORGIAN LETTER QAR
    "\u10ff": "o",  # GEORGIAN LETTER LABIAL SIGN
    "\u1200": "u",  # ETHIOPIC SYLLABLE HA
    "\u12d0": "o",  # ETHIOPIC SYLLABLE PHARYNGEAL A
    "\u13a0": "d",  # CHEROKEE LETTER A
    "\u13a1": "r",  # CHEROKEE LETTER E
    "\u13a2": "t",  # CHEROKEE LETTER I
    "\u13a5": "i",  # CHEROKEE LETTER V
    "\u13a9": "y",  # CHEROKEE LETTER GI
    "\u13aa": "a",  # CHEROKEE LETTER GO
    "\u13ab": "j",  # CHEROKEE LETTER GU
    "\u13ac": "e",  # CHEROKEE LETTER GV
    "\u13b1": "r",  # CHEROKEE LETTER HU
    "\u13b3": "w",  # CHEROKEE LETTER LA
    "\u13b7": "m",  # CHEROKEE LETTER LU
    "\u13bb": "h",  # CHEROKEE LETTER MI
    "\u13bd": "y",  # CHEROKEE LETTER MU
    "\u13c0": "g",  # CHEROKEE LETTER NAH
    "\u13c2": "h",  # CHEROKEE LETTER NI
    "\u13c3": "z",  # CHEROKEE LETTER NO
    "\u13ce": "4",  # CHEROKEE LETTER SE
    "\u13cf": "b",  # CHEROKEE LETTER SI
    "\u13d2": "r",  # CHEROKEE LETTER SV
    "\u13d4": "w",  # CHEROKEE LETTER TA
    "\u13d5": "s",  # CHEROKEE LETTER DE
    "\u13d9": "v",  # CHEROKEE LETTER DO
    "\u13da": "s",  # CHEROKEE LETTER DU
    "\u13de": "l",  # CHEROKEE LETTER TLE
    "\u13df": "c",  # CHEROKEE LETTER TLI
    "\u13e2": "p",  # CHEROKEE LETTER TLV
    "\u13e6": "k",  # CHEROKEE LETTER TSO
    "\u13e7": "d",  # CHEROKEE LETTER TSU
    "\u13ee": "6",  # CHEROKEE LETTER WV
    "\u13f3": "g",  # CHEROKEE LETTER YU
    "\u13f4": "b",  # CHEROKEE LETTER YV
    "\u142f": "v",  # CANADIAN SYLLABICS PE
    "\u144c": "u",  # CANADIAN SYLLABICS TE
    "\u146d": "p",  # CANADIAN SYLLABICS KI
    "\u146f": "d",  # CANADIAN SYLLABICS KO
    "\u1472": "b",  # CANADIAN SYLLABICS KA
    "\u148d": "j",  # CANADIAN SYLLABICS CO
    "\u14aa": "l",  # CANADIAN SYLLABICS MA
    "\u14bf": "2",  # CANADIAN SYLLABICS SAYISI M
    "\u1541": "x",  # CANADIAN SYLLABICS SAYISI YI
    "\u157c": "h",  # CANADIAN SYLLABICS NUNAVUT H
    "\u157d": "x",  # CANADIAN SYLLABICS HK
    "\u1587": "r",  # CANADIAN SYLLABICS TLHI
    "\u15af": "b",  # CANADIAN SYLLABICS AIVILIK B
    "\u15b4": "f",  # CANADIAN SYLLABICS BLACKFOOT WE
    "\u15c5": "a",  # CANADIAN SYLLABICS CARRIER GHO
    "\u15de": "d",  # CANADIAN SYLLABICS CARRIER THE
    "\u15ea": "d",  # CANADIAN SYLLABICS CARRIER PE
    "\u15f0": "m",  # CANADIAN SYLLABICS CARRIER GO
    "\u15f7": "b",  # CANADIAN SYLLABICS CARRIER KHE
    "\u16b7": "x",  # RUNIC LETTER GEBO GYFU G
    "\u16c1": "l",  # RUNIC LETTER ISAZ IS ISS I
    "\u16d5": "k",  # RUNIC LETTER OPEN-P
    "\u16d6": "m",  # RUNIC LETTER EHWAZ EH E
    "\u1d04": "c",  # LATIN LETTER SMALL CAPITAL C
    "\u1d0f": "o",  # LATIN LETTER SMALL CAPITAL O
    "\u1d11": "o",  # LATIN SMALL LETTER SIDEWAYS O
    "\u1d1c": "u",  # LATIN LETTER SMALL CAPITAL U
    "\u1d20": "v",  # LATIN LETTER SMALL CAPITAL V
    "\u1d21": "w",  # LATIN LETTER SMALL CAPITAL W
    "\u1d22": "z",  # LATIN LETTER SMALL CAPITAL Z
    "\u1d26": "r",  # GREEK LETTER SMALL CAPITAL GAMMA
    "\u1d6b": "ue",  # LATIN SMALL LETTER UE
    "\u1d83": "g",  # LATIN SMALL LETTER G WITH PALATAL HOOK
    "\u1d8c": "y",  # LATIN SMALL LETTER V WITH PALATAL HOOK
    "\u1e9d": "f",  # LATIN SMALL LETTER LONG S WITH HIGH STROKE
    "\u1eff": "y",  # LATIN SMALL LETTER Y WITH LOOP
    "\u2c85": "r",  # COPTIC SMALL LETTER GAMMA
    "\u2c8f": "h",  # COPTIC SMALL LETTER HATE
    "\u2c93": "l",  # COPTIC SMALL LETTER IAUDA
    "\u2c95": "k",  # COPTIC SMALL LETTER KAPA
    "\u2c99": "m",  # COPTIC SMALL LETTER MI
    "\u2c9b": "n",  # COPTIC SMALL LETTER NI
    "\u2c9f": "o",  # COPTIC SMALL LETTER O
    "\u2ca3": "p",  # COPTIC SMALL LETTER RO
    "\u2ca5": "c",  # COPTIC SMALL LETTER SIMA
    "\u2ca7": "t",  # COPTIC SMALL LETTER TAU
    "\u2ca9": "y",  # COPTIC SMALL LETTER UA
    "\u2cad": "x",  # COPTIC SMALL LETTER KHI
    "\u2ccb": "9",  # COPTIC SMALL LETTER DIALECT-P HORI
    "\u2ccd": "3",  # COPTIC SMALL LETTER OLD COPTIC HORI
    "\u2cd1": "l",  # COPTIC SMALL LETTER L-SHAPED HA
    "\u2cd3": "6",  # COPTIC SMALL LETTER OLD COPTIC HEI
    "\u2d38": "v",  # TIFINAGH LETTER YADH
    "\u2d39": "e",  # TIFINAGH LETTER YADD
    "\u2d4f": "l",  # TIFINAGH LETTER YAN
    "\u2d54": "o",  # TIFINAGH LETTER YAR
    "\u2d55": "q",  # TIFINAGH LETTER YARR
    "\u2d5d": "x",  # TIFINAGH LETTER YATH
    "\u3007": "o",  # IDEOGRAPHIC NUMBER ZERO
    "\ua4d0": "b",  # LISU LETTER BA
    "\ua4d1": "p",  # LISU LETTER PA
    "\ua4d2": "d",  # LISU LETTER PHA
    "\ua4d3": "d",  # LISU LETTER DA
    "\ua4d4": "t",  # LISU LETTER TA
    "\ua4d6": "g",  # LISU LETTER GA
    "\ua4d7": "k",  # LISU LETTER KA
    "\ua4d9": "j",  # LISU LETTER JA
    "\ua4da": "c",  # LISU LETTER CA
    "\ua4dc": "z",  # LISU LETTER DZA
    "\ua4dd": "f",  # LISU LETTER TSA
    "\ua4df": "m",  # LISU LETTER MA
    "\ua4e0": "n",  # LISU LETTER NA
    "\ua4e1": "l",  # LISU LETTER LA
    "\ua4e2": "s",  # LISU LETTER SA
    "\ua4e3": "r",  # LISU LETTER ZHA
    "\ua4e6": "v",  # LISU LETTER HA
    "\ua4e7": "h",  # LISU LETTER XA
    "\ua4ea": "w",  # LISU LETTER WA
    "\ua4eb": "x",  # LISU LETTER SHA
    "\ua4ec": "y",  # LISU LETTER YA
    "\ua4ee": "a",  # LISU LETTER A
    "\ua4f0": "e",  # LISU LETTER E
    "\ua4f2": "l",  # LISU LETTER I
    "\ua4f3": "o",  # LISU LETTER O
    "\ua4f4": "u",  # LISU LETTER U
    "\ua645": "2",  # CYRILLIC SMALL LETTER REVERSED DZE
    "\ua647": "i",  # CYRILLIC SMALL LETTER IOTA
    "\ua699": "oo",  # CYRILLIC SMALL LETTER DOUBLE O
    "\ua6df": "v",  # BAMUM LETTER KO
    "\ua6ef": "2",  # BAMUM LETTER KOGHOM
    "\ua729": "t3",  # LATIN SMALL LETTER TZ
    "\ua731": "s",  # LATIN LETTER SMALL CAPITAL S
    "\ua733": "aa",  # LATIN SMALL LETTER AA
    "\ua735": "ao",  # LATIN SMALL LETTER AO
    "\ua737": "au",  # LATIN SMALL LETTER AU
    "\ua739": "av",  # LATIN SMALL LETTER AV
    "\ua73b": "av",  # LATIN SMALL LETTER AV WITH HORIZONTAL BAR
    "\ua73d": "ay",  # LATIN SMALL LETTER AY
    "\ua74f": "oo",  # LATIN SMALL LETTER OO
    "\ua75b": "2",  # LATIN SMALL LETTER R ROTUNDA
    "\ua76b": "3",  # LATIN SMALL LETTER ET
    "\ua76f": "9",  # LATIN SMALL LETTER CON
    "\ua777": "tf",  # LATIN SMALL LETTER TUM
    "\ua799": "f",  # LATIN SMALL LETTER F WITH STROKE
    "\ua79f": "u",  # LATIN SMALL LETTER VOLAPUK UE
    "\ua7b5": "b",  # LATIN SMALL LETTER BETA
    "\uab32": "e",  # LATIN SMALL LETTER BLACKLETTER E
    "\uab35": "f",  # LATIN SMALL LETTER LENIS F
    "\uab3d": "o",  # LATIN SMALL LETTER BLACKLETTER O
    "\uab47": "r",  # LATIN SMALL LETTER R WITHOUT HANDLE
    "\uab48": "r",  # LATIN SMALL LETTER DOUBLE R
    "\uab4e": "u",  # LATIN SMALL LETTER U WITH SHORT RIGHT LEG
    "\uab52": "u",  # LATIN SMALL LETTER U WITH LEFT HOOK
    "\uab53": "x",  # LATIN SMALL LETTER CHI
    "\uab5a": "y",  # LATIN SMALL LETTER Y WITH SHORT RIGHT LEG
    "\uab63": "uo",  # LATIN SMALL LETTER UO
    "\U00010282": "b",  # LYCIAN LETTER B
    "\U00010286": "e",  # LYCIAN LETTER I
    "\U00010287": "f",  # LYCIAN LETTER W
    "\U0001028a": "l",  # LYCIAN LETTER J
    "\U00010290": "x",  # LYCIAN LETTER MM
    "\U00010292": "o",  # LYCIAN LETTER U
    "\U00010295": "p",  # LYCIAN LETTER R
    "\U00010296": "s",  # LYCIAN LETTER S
    "\U00010297": "t",  # LYCIAN LETTER T
    "\U000102a0": "a",  # CARIAN LETTER A
    "\U000102a1": "b",  # CARIAN LETTER P2
    "\U000102a2": "c",  # CARIAN LETTER D
    "\U000102a5": "f",  # CARIAN LETTER R
    "\U000102ab": "o",  # CARIAN LETTER O
    "\U000102b0": "m",  # CARIAN LETTER S
    "\U000102b1": "t",  # CARIAN LETTER C-18
    "\U000102b2": "y",  # CARIAN LETTER U
    "\U000102b4": "x",  # CARIAN LETTER X
    "\U000102cf": "h",  # CARIAN LETTER E2
    "\U000102f5": "z",  # COPTIC EPACT NUMBER THREE HUNDRED
    "\U00010301": "b",  # OLD ITALIC LETTER BE
    "\U00010302": "c",  # OLD ITALIC LETTER KE
    "\U00010309": "l",  # OLD ITALIC LETTER I
    "\U00010311": "m",  # OLD ITALIC LETTER SHE
    "\U00010315": "t",  # OLD ITALIC LETTER TE
    "\U00010317": "x",  # OLD ITALIC LETTER EKS
    "\U0001031a": "8",  # OLD ITALIC LETTER EF
    "\U00010320": "l",  # OLD ITALIC NUMERAL ONE
    "\U00010322": "x",  # OLD ITALIC NUMERAL TEN
    "\U0001042c": "o",  # DESERET SMALL LETTER LONG O
    "\U0001043d": "c",  # DESERET SMALL LETTER CHEE
    "\U00010443": "l",  # DESERET SMALL LETTER ETH
    "\U00010448": "s",  # DESERET SMALL LETTER ZHEE
    "\U000104dc": "r",  # OSAGE SMALL LETTER BRA
    "\U000104ea": "o",  # OSAGE SMALL LETTER O
    "\U000104f6": "u",  # OSAGE SMALL LETTER U
    "\U000104fa": "7",  # OSAGE SMALL LETTER ZA
    "\U00010513": "n",  # ELBASAN LETTER NE
    "\U00010516": "o",  # ELBASAN LETTER O
    "\U00010518": "k",  # ELBASAN LETTER QE
    "\U0001051c": "c",  # ELBASAN LETTER SHE
    "\U0001051d": "v",  # ELBASAN LETTER TE
    "\U00010525": "f",  # ELBASAN LETTER GHE
    "\U00010526": "l",  # ELBASAN LETTER GHAMMA
    "\U00010527": "x",  # ELBASAN LETTER KHE
    "\U000114d0": "o",  # TIRHUTA DIGIT ZERO
    "\U00011700": "rn",  # AHOM LETTER KA
    "\U00011706": "v",  # AHOM LETTER PA
    "\U0001170a": "w",  # AHOM LETTER JA
    "\U0001170e": "w",  # AHOM LETTER LA
    "\U0001170f": "w",  # AHOM LETTER SA
    "\U000118c0": "v",  # WARANG CITI SMALL LETTER NGAA
    "\U000118c1": "s",  # WARANG CITI SMALL LETTER A
    "\U000118c2": "f",  # WARANG CITI SMALL LETTER WI
    "\U000118c3": "i",  # WARANG CITI SMALL LETTER YU
    "\U000118c4": "y",  # WARANG CITI SMALL LETTER YA
    "\U000118c6": "e",  # WARANG CITI SMALL LETTER II
    "\U000118c8": "o",  # WARANG CITI SMALL LETTER E
    "\U000118c9": "z",  # WARANG CITI SMALL LETTER O
    "\U000118ca": "3",  # WARANG CITI SMALL LETTER ANG
    "\U000118cc": "9",  # WARANG CITI SMALL LETTER KO
    "\U000118ce": "e",  # WARANG CITI SMALL LETTER YUJ
    "\U000118cf": "4",  # WARANG CITI SMALL LETTER UC
    "\U000118d2": "l",  # WARANG CITI SMALL LETTER TTE
    "\U000118d5": "o",  # WARANG CITI SMALL LETTER AT
    "\U000118d6": "9",  # WARANG CITI SMALL LETTER AM
    "\U000118d7": "o",  # WARANG CITI SMALL LETTER BU
    "\U000118d8": "u",  # WARANG CITI SMALL LETTER PU
    "\U000118db": "5",  # WARANG CITI SMALL LETTER HORR
    "\U000118dc": "y",  # WARANG CITI SMALL LETTER HAR
    "\U000118e0": "o",  # WARANG CITI DIGIT ZERO
    "\U000118e3": "rn",  # WARANG CITI DIGIT THREE
    "\U000118e5": "z",  # WARANG CITI DIGIT FIVE
    "\U000118e6": "w",  # WARANG CITI DIGIT SIX
    "\U000118e9": "c",  # WARANG CITI DIGIT NINE
    "\U000118ec": "x",  # WARANG CITI NUMBER THIRTY
    "\U000118ef": "w",  # WARANG CITI NUMBER SIXTY
    "\U000118f2": "c",  # WARANG CITI NUMBER NINETY
    "\U00016f08": "v",  # MIAO LETTER VA
    "\U00016f0a": "t",  # MIAO LETTER TA
    "\U00016f16": "l",  # MIAO LETTER LA
    "\U00016f28": "l",  # MIAO LETTER GHA
    "\U00016f35": "r",  # MIAO LETTER ZHA
    "\U00016f3a": "s",  # MIAO LETTER SA
    "\U00016f3b": "3",  # MIAO LETTER ZA
    "\U00016f40": "a",  # MIAO LETTER ZZYA
    "\U00016f42": "u",  # MIAO LETTER WA
    "\U00016f43": "y",  # MIAO LETTER AH
}
