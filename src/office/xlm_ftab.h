/* Excel function tables (MS-XLS 2.5.198.17 Ftab, 2.5.198.4 Cetab): index -> name and, for
 * functions that are only ever called with a fixed argument count (ptgFunc), that count. */
#ifndef EG_OFFICE_XLM_FTAB_H
#define EG_OFFICE_XLM_FTAB_H

typedef struct eg_xlm_fn {
    const char *name;
    signed char argc; /* fixed count for ptgFunc; -1 = variable */
} eg_xlm_fn;

static const eg_xlm_fn EG_XLM_FTAB[] = {
    [0] = {"COUNT", -1}, [1] = {"IF", -1}, [2] = {"ISNA", 1}, [3] = {"ISERROR", 1}, [4] = {"SUM", -1},
    [5] = {"AVERAGE", -1}, [6] = {"MIN", -1}, [7] = {"MAX", -1}, [8] = {"ROW", -1}, [9] = {"COLUMN", -1},
    [10] = {"NA", 0}, [11] = {"NPV", -1}, [12] = {"STDEV", -1}, [13] = {"DOLLAR", -1}, [14] = {"FIXED", -1},
    [15] = {"SIN", 1}, [16] = {"COS", 1}, [17] = {"TAN", 1}, [18] = {"ATAN", 1}, [19] = {"PI", 0},
    [20] = {"SQRT", 1}, [21] = {"EXP", 1}, [22] = {"LN", 1}, [23] = {"LOG10", 1}, [24] = {"ABS", 1},
    [25] = {"INT", 1}, [26] = {"SIGN", 1}, [27] = {"ROUND", 2}, [28] = {"LOOKUP", -1}, [29] = {"INDEX", -1},
    [30] = {"REPT", 2}, [31] = {"MID", 3}, [32] = {"LEN", 1}, [33] = {"VALUE", 1}, [34] = {"TRUE", 0},
    [35] = {"FALSE", 0}, [36] = {"AND", -1}, [37] = {"OR", -1}, [38] = {"NOT", 1}, [39] = {"MOD", 2},
    [40] = {"DCOUNT", 3}, [41] = {"DSUM", 3}, [42] = {"DAVERAGE", 3}, [43] = {"DMIN", 3}, [44] = {"DMAX", 3},
    [45] = {"DSTDEV", 3}, [46] = {"VAR", -1}, [47] = {"DVAR", 3}, [48] = {"TEXT", 2}, [49] = {"LINEST", -1},
    [50] = {"TREND", -1}, [51] = {"LOGEST", -1}, [52] = {"GROWTH", -1}, [53] = {"GOTO", 1}, [54] = {"HALT", -1},
    [55] = {"RETURN", -1}, [56] = {"PV", -1}, [57] = {"FV", -1}, [58] = {"NPER", -1}, [59] = {"PMT", -1},
    [60] = {"RATE", -1}, [61] = {"MIRR", 3}, [62] = {"IRR", -1}, [63] = {"RAND", 0}, [64] = {"MATCH", -1},
    [65] = {"DATE", 3}, [66] = {"TIME", 3}, [67] = {"DAY", 1}, [68] = {"MONTH", 1}, [69] = {"YEAR", 1},
    [70] = {"WEEKDAY", -1}, [71] = {"HOUR", 1}, [72] = {"MINUTE", 1}, [73] = {"SECOND", 1}, [74] = {"NOW", 0},
    [75] = {"AREAS", 1}, [76] = {"ROWS", 1}, [77] = {"COLUMNS", 1}, [78] = {"OFFSET", -1}, [79] = {"ABSREF", 2},
    [80] = {"RELREF", 2}, [81] = {"ARGUMENT", -1}, [82] = {"SEARCH", -1}, [83] = {"TRANSPOSE", 1},
    [84] = {"ERROR", -1}, [85] = {"STEP", 0}, [86] = {"TYPE", 1}, [87] = {"ECHO", -1}, [88] = {"SET.NAME", -1},
    [89] = {"CALLER", 0}, [90] = {"DEREF", 1}, [91] = {"WINDOWS", -1}, [92] = {"SERIES", -1},
    [93] = {"DOCUMENTS", -1}, [94] = {"ACTIVE.CELL", 0}, [95] = {"SELECTION", 0}, [96] = {"RESULT", -1},
    [97] = {"ATAN2", 2}, [98] = {"ASIN", 1}, [99] = {"ACOS", 1}, [100] = {"CHOOSE", -1}, [101] = {"HLOOKUP", -1},
    [102] = {"VLOOKUP", -1}, [103] = {"LINKS", -1}, [104] = {"INPUT", -1}, [105] = {"ISREF", 1},
    [106] = {"GET.FORMULA", 1}, [107] = {"GET.NAME", -1}, [108] = {"SET.VALUE", 2}, [109] = {"LOG", -1},
    [110] = {"EXEC", -1}, [111] = {"CHAR", 1}, [112] = {"LOWER", 1}, [113] = {"UPPER", 1}, [114] = {"PROPER", 1},
    [115] = {"LEFT", -1}, [116] = {"RIGHT", -1}, [117] = {"EXACT", 2}, [118] = {"TRIM", 1}, [119] = {"REPLACE", 4},
    [120] = {"SUBSTITUTE", -1}, [121] = {"CODE", 1}, [122] = {"NAMES", -1}, [123] = {"DIRECTORY", -1},
    [124] = {"FIND", -1}, [125] = {"CELL", -1}, [126] = {"ISERR", 1}, [127] = {"ISTEXT", 1}, [128] = {"ISNUMBER", 1},
    [129] = {"ISBLANK", 1}, [130] = {"T", 1}, [131] = {"N", 1}, [132] = {"FOPEN", -1}, [133] = {"FCLOSE", 1},
    [134] = {"FSIZE", 1}, [135] = {"FREADLN", 1}, [136] = {"FREAD", 2}, [137] = {"FWRITELN", 2}, [138] = {"FWRITE", 2},
    [139] = {"FPOS", -1}, [140] = {"DATEVALUE", 1}, [141] = {"TIMEVALUE", 1}, [142] = {"SLN", 3}, [143] = {"SYD", 4},
    [144] = {"DDB", -1}, [145] = {"GET.DEF", -1}, [146] = {"REFTEXT", -1}, [147] = {"TEXTREF", -1},
    [148] = {"INDIRECT", -1}, [149] = {"REGISTER", -1}, [150] = {"CALL", -1}, [151] = {"ADD.BAR", -1},
    [152] = {"ADD.MENU", -1}, [153] = {"ADD.COMMAND", -1}, [154] = {"ENABLE.COMMAND", -1},
    [155] = {"CHECK.COMMAND", -1}, [156] = {"RENAME.COMMAND", -1}, [157] = {"SHOW.BAR", -1},
    [158] = {"DELETE.MENU", -1}, [159] = {"DELETE.COMMAND", -1}, [160] = {"GET.CHART.ITEM", -1},
    [161] = {"DIALOG.BOX", 1}, [162] = {"CLEAN", 1}, [163] = {"MDETERM", 1}, [164] = {"MINVERSE", 1},
    [165] = {"MMULT", 2}, [166] = {"FILES", -1}, [167] = {"IPMT", -1}, [168] = {"PPMT", -1}, [169] = {"COUNTA", -1},
    [170] = {"CANCEL.KEY", -1}, [171] = {"FOR", -1}, [172] = {"WHILE", 1}, [173] = {"BREAK", 0}, [174] = {"NEXT", 0},
    [175] = {"INITIATE", 2}, [176] = {"REQUEST", 2}, [177] = {"POKE", 3}, [178] = {"EXECUTE", 2},
    [179] = {"TERMINATE", 1}, [180] = {"RESTART", -1}, [181] = {"HELP", -1}, [182] = {"GET.BAR", -1},
    [183] = {"PRODUCT", -1}, [184] = {"FACT", 1}, [185] = {"GET.CELL", -1}, [186] = {"GET.WORKSPACE", 1},
    [187] = {"GET.WINDOW", -1}, [188] = {"GET.DOCUMENT", -1}, [189] = {"DPRODUCT", 3}, [190] = {"ISNONTEXT", 1},
    [191] = {"GET.NOTE", -1}, [192] = {"NOTE", -1}, [193] = {"STDEVP", -1}, [194] = {"VARP", -1},
    [195] = {"DSTDEVP", 3}, [196] = {"DVARP", 3}, [197] = {"TRUNC", -1}, [198] = {"ISLOGICAL", 1},
    [199] = {"DCOUNTA", 3}, [200] = {"DELETE.BAR", 1}, [201] = {"UNREGISTER", 1},
    [204] = {"USDOLLAR", -1}, [205] = {"FINDB", -1}, [206] = {"SEARCHB", -1}, [207] = {"REPLACEB", 4},
    [208] = {"LEFTB", -1}, [209] = {"RIGHTB", -1}, [210] = {"MIDB", 3}, [211] = {"LENB", 1},
    [212] = {"ROUNDUP", 2}, [213] = {"ROUNDDOWN", 2}, [214] = {"ASC", 1}, [215] = {"DBCS", 1},
    [216] = {"RANK", -1}, [219] = {"ADDRESS", -1}, [220] = {"DAYS360", -1}, [221] = {"TODAY", 0},
};

static const char *const EG_XLM_CETAB[] = {
    [0] = "BEEP", [1] = "OPEN", [2] = "OPEN.LINKS", [3] = "CLOSE.ALL", [4] = "SAVE", [5] = "SAVE.AS",
    [6] = "FILE.DELETE", [7] = "PAGE.SETUP", [8] = "PRINT", [9] = "PRINTER.SETUP", [10] = "QUIT",
    [11] = "NEW.WINDOW", [12] = "ARRANGE.ALL", [13] = "WINDOW.SIZE", [14] = "WINDOW.MOVE", [15] = "FULL",
    [16] = "CLOSE", [17] = "RUN", [22] = "SET.PRINT.AREA", [23] = "SET.PRINT.TITLES", [24] = "SET.PAGE.BREAK",
    [25] = "REMOVE.PAGE.BREAK", [26] = "FONT", [27] = "DISPLAY", [28] = "PROTECT.DOCUMENT", [29] = "PRECISION",
    [30] = "A1.R1C1", [31] = "CALCULATE.NOW", [32] = "CALCULATION", [34] = "DATA.FIND", [35] = "EXTRACT",
    [36] = "DATA.DELETE", [37] = "SET.DATABASE", [38] = "SET.CRITERIA", [39] = "SORT", [40] = "DATA.SERIES",
    [41] = "TABLE", [42] = "FORMAT.NUMBER", [43] = "ALIGNMENT", [44] = "STYLE", [45] = "BORDER",
    [46] = "CELL.PROTECTION", [47] = "COLUMN.WIDTH", [48] = "UNDO", [49] = "CUT", [50] = "COPY", [51] = "PASTE",
    [52] = "CLEAR",
};

#endif
