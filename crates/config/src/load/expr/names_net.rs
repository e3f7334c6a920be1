//! The .NET surface beyond strings, JSON and dates: regular expressions, `Uri`,
//! `WebUtility`, `Random`, `StringBuilder`, the generic collections, `Char`, `Tuple`,
//! `Enumerable`, `JsonConvert`. `names.rs` consults these tables after its own.

/// Types `new` can build, beyond `names::CONSTRUCTIBLE`.
pub(crate) const NET_CONSTRUCTIBLE: &[&str] = &[
    "Exception",
    "Regex",
    "Uri",
    "StringBuilder",
    "Random",
    "List",
    "Dictionary",
    "HashSet",
    "KeyValuePair",
    "Tuple",
    "string",
    "String",
];

/// Static members.
const NET_STATIC_MEMBERS: &[(&str, &[&str])] = &[
    (
        "RegexOptions",
        &[
            "None",
            "IgnoreCase",
            "Multiline",
            "ExplicitCapture",
            "Compiled",
            "Singleline",
            "IgnorePatternWhitespace",
            "RightToLeft",
            "ECMAScript",
            "CultureInvariant",
            "NonBacktracking",
        ],
    ),
    ("UriPartial", &["Scheme", "Authority", "Path", "Query"]),
    ("UriKind", &["Absolute", "Relative", "RelativeOrAbsolute"]),
    ("Uri", &["UriSchemeHttp", "UriSchemeHttps"]),
    ("Math", &["PI", "E"]),
    (
        "StringComparer",
        &[
            "Ordinal",
            "OrdinalIgnoreCase",
            "InvariantCulture",
            "InvariantCultureIgnoreCase",
            "CurrentCulture",
            "CurrentCultureIgnoreCase",
        ],
    ),
];

const CHAR_METHODS: &[&str] = &[
    "IsDigit",
    "IsLetter",
    "IsLetterOrDigit",
    "IsWhiteSpace",
    "IsUpper",
    "IsLower",
    "IsPunctuation",
    "IsNumber",
    "ToUpper",
    "ToLower",
    "ToUpperInvariant",
    "ToLowerInvariant",
];

/// Static methods.
const NET_STATIC_METHODS: &[(&str, &[&str])] = &[
    (
        "Regex",
        &[
            "IsMatch", "Match", "Matches", "Replace", "Split", "Escape", "Unescape",
        ],
    ),
    ("Uri", &["TryCreate", "IsWellFormedUriString"]),
    (
        "WebUtility",
        &["UrlEncode", "UrlDecode", "HtmlEncode", "HtmlDecode"],
    ),
    ("char", CHAR_METHODS),
    ("Char", CHAR_METHODS),
    (
        "Math",
        &[
            "Pow", "Sqrt", "Sign", "Truncate", "Log", "Log10", "Exp", "Clamp",
        ],
    ),
    ("Tuple", &["Create"]),
    ("Enumerable", &["Range", "Repeat", "Empty"]),
    ("JsonConvert", &["SerializeObject", "DeserializeObject"]),
    ("JObject", &["FromObject"]),
    ("JArray", &["FromObject"]),
    ("JToken", &["FromObject"]),
    ("string", &["Compare", "CompareOrdinal"]),
    ("String", &["Compare", "CompareOrdinal"]),
];

/// Methods on values.
pub(crate) const NET_METHODS: &[&str] = &[
    // Regex, Match
    "IsMatch",
    "Match",
    "Matches",
    "GetGroupNames",
    "NextMatch",
    // StringBuilder
    "Append",
    "AppendLine",
    "AppendFormat",
    "Insert",
    "Clear",
    // Uri
    "GetLeftPart",
    // Random
    "Next",
    "NextDouble",
    // collections
    "AddRange",
    "RemoveAt",
    "ContainsValue",
    "TryAdd",
    "Cast",
    "OfType",
    "GetHashCode",
];

/// Members of values.
pub(crate) const NET_MEMBERS: &[&str] = &[
    // Match, Group, Capture
    "Success",
    "Index",
    "Groups",
    "Captures",
    // Uri
    "AbsolutePath",
    "AbsoluteUri",
    "Authority",
    "Fragment",
    "Host",
    "IsAbsoluteUri",
    "IsDefaultPort",
    "OriginalString",
    "PathAndQuery",
    "Port",
    "Query",
    "Scheme",
    "Segments",
    "UserInfo",
    // Exception
    "Message",
    // Tuple
    "Item1",
    "Item2",
    "Item3",
    "Item4",
    "Item5",
    "Item6",
    "Item7",
];

/// Whether `ty.name` is a static member of the types above.
pub(crate) fn net_static_member(ty: &str, name: &str) -> bool {
    NET_STATIC_MEMBERS
        .iter()
        .any(|(t, members)| *t == ty && members.contains(&name))
}

/// Whether `ty.name(..)` is a static method of the types above.
pub(crate) fn net_static_method(ty: &str, name: &str) -> bool {
    NET_STATIC_METHODS
        .iter()
        .any(|(t, methods)| *t == ty && methods.contains(&name))
}
