//! What the evaluator can do, by name: the types, the `context` object graph, the static
//! members and methods, and the method and member names dispatched on values. The parser
//! checks every name against these tables, so anything else fails at load time.

use super::names_net::{NET_MEMBERS, NET_METHODS, net_static_member, net_static_method};
use crate::expr::Node;

/// Type names the subset knows: casts, declarations, static members and `new`.
pub(crate) const TYPES: &[&str] = &[
    "string",
    "String",
    "int",
    "Int32",
    "long",
    "Int64",
    "double",
    "Double",
    "float",
    "decimal",
    "bool",
    "Boolean",
    "object",
    "char",
    "byte",
    "DateTime",
    "TimeSpan",
    "Guid",
    "Convert",
    "Encoding",
    // cryptography and bytes (`src/expr/methods/crypto.rs`, `encoding.rs`)
    "BitConverter",
    "MD5",
    "SHA1",
    "SHA256",
    "SHA384",
    "SHA512",
    "SHA1Managed",
    "SHA256Managed",
    "SHA384Managed",
    "SHA512Managed",
    "HashAlgorithm",
    "KeyedHashAlgorithm",
    "HMAC",
    "HMACMD5",
    "HMACSHA1",
    "HMACSHA256",
    "HMACSHA384",
    "HMACSHA512",
    "SymmetricAlgorithm",
    "Aes",
    "Rijndael",
    "CipherMode",
    "PaddingMode",
    "RNGCryptoServiceProvider",
    "RandomNumberGenerator",
    "JObject",
    "JArray",
    "JToken",
    "JProperty",
    "JValue",
    "Math",
    "Uri",
    "Regex",
    "RegexOptions",
    "Match",
    "Group",
    "Capture",
    "MatchCollection",
    "GroupCollection",
    "UriPartial",
    "UriKind",
    "WebUtility",
    "Random",
    "StringBuilder",
    "StringComparer",
    "List",
    "Dictionary",
    "HashSet",
    "KeyValuePair",
    "Tuple",
    "Char",
    "Enumerable",
    "JsonConvert",
    "Exception",
    "StringComparison",
    "Formatting",
    "IResponse",
    "IRequest",
    "IMessageBody",
    "Jwt",
    "BasicAuthCredentials",
    // LINQ to XML (src/expr/xml/)
    "XDocument",
    "XElement",
    "XAttribute",
    "XName",
    "XNamespace",
    "XNode",
    "XText",
    "XCData",
    "XContainer",
    "SaveOptions",
    "LoadOptions",
];

/// What the parser knows of a value's type: enough to check `context` members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// Anything: checked against the lists of known member and method names.
    Any,
    /// A static type name (`string`, `DateTime`, ...).
    Static,
    Context,
    Request,
    Response,
    Url,
    /// `Headers`, `Url.Query`, `MatchedParameters`.
    Dict,
    Body,
    Variables,
    Subscription,
    Product,
    Api,
    Operation,
    LastError,
    Deployment,
    User,
}

/// Members of the `context` object graph.
pub(crate) fn context_member(ty: Ty, name: &str) -> Option<Ty> {
    use Ty::*;
    let table: &[(&str, Ty)] = match ty {
        Context => &[
            ("Request", Request),
            ("Response", Response),
            ("Subscription", Subscription),
            ("Product", Product),
            ("Api", Api),
            ("Operation", Operation),
            ("Variables", Variables),
            ("LastError", LastError),
            ("RequestId", Any),
            ("Timestamp", Any),
            ("Elapsed", Any),
            ("Deployment", Deployment),
            ("User", User),
            ("Tracing", Any),
        ],
        Request => &[
            ("Method", Any),
            ("Url", Url),
            ("OriginalUrl", Url),
            ("Headers", Dict),
            ("IpAddress", Any),
            ("Body", Body),
            ("MatchedParameters", Dict),
        ],
        Response => &[
            ("StatusCode", Any),
            ("StatusReason", Any),
            ("Headers", Dict),
            ("Body", Body),
        ],
        Url => &[
            ("Scheme", Any),
            ("Host", Any),
            ("Port", Any),
            ("Path", Any),
            ("Query", Dict),
            ("QueryString", Any),
        ],
        Dict => &[("Count", Any), ("Keys", Any), ("Values", Any)],
        Variables => &[("Count", Any), ("Keys", Any)],
        Subscription => &[
            ("Id", Any),
            ("Name", Any),
            ("Key", Any),
            ("PrimaryKey", Any),
            ("SecondaryKey", Any),
            ("StartDate", Any),
            ("EndDate", Any),
            ("CreatedDate", Any),
        ],
        Product => &[
            ("Id", Any),
            ("Name", Any),
            ("SubscriptionRequired", Any),
            ("ApprovalRequired", Any),
        ],
        Api => &[
            ("Id", Any),
            ("Name", Any),
            ("Path", Any),
            ("Version", Any),
            ("Revision", Any),
            ("ServiceUrl", Url),
            ("IsCurrentRevision", Any),
        ],
        Operation => &[
            ("Id", Any),
            ("Name", Any),
            ("Method", Any),
            ("UrlTemplate", Any),
        ],
        LastError => &[
            ("Source", Any),
            ("Reason", Any),
            ("Message", Any),
            ("Scope", Any),
            ("Section", Any),
            ("Path", Any),
            ("PolicyId", Any),
        ],
        Deployment => &[("Region", Any), ("ServiceName", Any), ("ServiceId", Any)],
        User => &[
            ("Id", Any),
            ("Email", Any),
            ("FirstName", Any),
            ("LastName", Any),
            ("Note", Any),
            ("Groups", Any),
        ],
        Any | Static | Body => return None,
    };
    table.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Methods callable on `context` values.
pub(crate) fn context_method(ty: Ty, name: &str) -> bool {
    let methods: &[&str] = match ty {
        // Dictionaries are enumerable: every LINQ method applies.
        Ty::Dict => METHODS,
        Ty::Variables => &["GetValueOrDefault", "ContainsKey", "TryGetValue"],
        Ty::Body => &["As"],
        Ty::Url => &["ToString"],
        _ => &["ToString"],
    };
    methods.contains(&name)
}

/// Static members: `DateTime.UtcNow`, `string.Empty`, `Encoding.UTF8`, ...
pub(crate) const STATIC_MEMBERS: &[(&str, &str)] = &[
    ("string", "Empty"),
    ("String", "Empty"),
    ("DateTime", "UtcNow"),
    ("DateTime", "Now"),
    ("DateTime", "Today"),
    ("DateTime", "MinValue"),
    ("DateTime", "MaxValue"),
    ("TimeSpan", "Zero"),
    ("Guid", "Empty"),
    ("Encoding", "UTF8"),
    ("Encoding", "ASCII"),
    ("Encoding", "Unicode"),
    ("Encoding", "BigEndianUnicode"),
    ("Encoding", "UTF32"),
    ("Encoding", "Latin1"),
    ("Encoding", "Default"),
    ("CipherMode", "CBC"),
    ("PaddingMode", "PKCS7"),
    ("PaddingMode", "None"),
    ("BitConverter", "IsLittleEndian"),
    ("int", "MaxValue"),
    ("int", "MinValue"),
    ("Int32", "MaxValue"),
    ("long", "MaxValue"),
    ("StringComparison", "Ordinal"),
    ("StringComparison", "OrdinalIgnoreCase"),
    ("StringComparison", "InvariantCulture"),
    ("StringComparison", "InvariantCultureIgnoreCase"),
    ("StringComparison", "CurrentCulture"),
    ("StringComparison", "CurrentCultureIgnoreCase"),
    ("Formatting", "None"),
    ("Formatting", "Indented"),
    ("XNamespace", "None"),
    ("XNamespace", "Xml"),
    ("XNamespace", "Xmlns"),
    ("SaveOptions", "None"),
    ("SaveOptions", "DisableFormatting"),
    ("SaveOptions", "OmitDuplicateNamespaces"),
    ("LoadOptions", "None"),
    ("LoadOptions", "PreserveWhitespace"),
];

/// Static methods: `string.Join`, `int.Parse`, `JObject.Parse`, ...
pub(crate) const STATIC_METHODS: &[(&str, &[&str])] = &[
    (
        "string",
        &[
            "IsNullOrEmpty",
            "IsNullOrWhiteSpace",
            "Join",
            "Format",
            "Concat",
            "Equals",
        ],
    ),
    (
        "String",
        &[
            "IsNullOrEmpty",
            "IsNullOrWhiteSpace",
            "Join",
            "Format",
            "Concat",
            "Equals",
        ],
    ),
    ("int", &["Parse", "TryParse"]),
    ("Int32", &["Parse", "TryParse"]),
    ("long", &["Parse", "TryParse"]),
    ("Int64", &["Parse", "TryParse"]),
    ("double", &["Parse", "TryParse"]),
    ("Double", &["Parse", "TryParse"]),
    ("bool", &["Parse", "TryParse"]),
    ("Boolean", &["Parse", "TryParse"]),
    (
        "Convert",
        &[
            "ToBase64String",
            "FromBase64String",
            "ToInt32",
            "ToInt64",
            "ToString",
            "ToBoolean",
            "ToDouble",
            "ToHexString",
            "FromHexString",
        ],
    ),
    ("Encoding", &["GetEncoding"]),
    (
        "BitConverter",
        &[
            "ToString",
            "GetBytes",
            "ToBoolean",
            "ToInt16",
            "ToInt32",
            "ToInt64",
            "ToUInt16",
            "ToUInt32",
            "ToUInt64",
            "ToDouble",
        ],
    ),
    ("MD5", &["Create"]),
    ("SHA1", &["Create"]),
    ("SHA256", &["Create"]),
    ("SHA384", &["Create"]),
    ("SHA512", &["Create"]),
    ("HashAlgorithm", &["Create"]),
    ("KeyedHashAlgorithm", &["Create"]),
    ("HMAC", &["Create"]),
    ("SymmetricAlgorithm", &["Create"]),
    ("Aes", &["Create"]),
    ("Rijndael", &["Create"]),
    ("RNGCryptoServiceProvider", &["Create"]),
    ("RandomNumberGenerator", &["Create", "GetBytes"]),
    ("DateTime", &["Parse", "TryParse"]),
    (
        "TimeSpan",
        &[
            "FromMilliseconds",
            "FromSeconds",
            "FromMinutes",
            "FromHours",
            "FromDays",
        ],
    ),
    ("Guid", &["NewGuid"]),
    ("JObject", &["Parse"]),
    ("JArray", &["Parse"]),
    ("JToken", &["Parse"]),
    ("Math", &["Min", "Max", "Abs", "Round", "Floor", "Ceiling"]),
    ("Uri", &["EscapeDataString", "UnescapeDataString"]),
    ("XDocument", &["Parse"]),
    ("XElement", &["Parse"]),
    ("XName", &["Get"]),
    ("XNamespace", &["Get"]),
];

/// Types `new` can build.
pub(crate) const CONSTRUCTIBLE: &[&str] = &[
    "JObject",
    "JArray",
    "JProperty",
    "JValue",
    "TimeSpan",
    "DateTime",
    "HMACMD5",
    "HMACSHA1",
    "HMACSHA256",
    "HMACSHA384",
    "HMACSHA512",
    "SHA1Managed",
    "SHA256Managed",
    "SHA384Managed",
    "SHA512Managed",
    "RNGCryptoServiceProvider",
    "XElement",
    "XAttribute",
    "XDocument",
    "XText",
    "XCData",
];

/// Method names the evaluator dispatches on values (strings, collections, JSON, dates,
/// JWTs, response variables).
pub(crate) const METHODS: &[&str] = &[
    // strings
    "Contains",
    "StartsWith",
    "EndsWith",
    "IndexOf",
    "LastIndexOf",
    "Substring",
    "Replace",
    "Split",
    "Trim",
    "TrimStart",
    "TrimEnd",
    "ToLower",
    "ToUpper",
    "ToLowerInvariant",
    "ToUpperInvariant",
    "Equals",
    "PadLeft",
    "PadRight",
    "ToString",
    "AsJwt",
    "TryParseJwt",
    "AsBasic",
    "GetBytes",
    "GetString",
    "CompareTo",
    // collections
    "First",
    "FirstOrDefault",
    "Last",
    "LastOrDefault",
    "Any",
    "All",
    "Count",
    "Select",
    "Where",
    "ToArray",
    "ToList",
    "Skip",
    "Take",
    "ContainsKey",
    "GetValueOrDefault",
    "TryGetValue",
    "ElementAt",
    "Reverse",
    "Distinct",
    "Sum",
    "Min",
    "Max",
    // JSON
    "Value",
    "SelectToken",
    "GetValue",
    "Property",
    "Properties",
    "Add",
    "Remove",
    "Children",
    // dates and time spans
    "AddMilliseconds",
    "AddSeconds",
    "AddMinutes",
    "AddHours",
    "AddDays",
    "AddMonths",
    "AddYears",
    "Subtract",
    "ToUniversalTime",
    // message bodies
    "As",
    // hashes, MACs, AES, random bytes, encodings
    "ComputeHash",
    "Dispose",
    "Clear",
    "Initialize",
    "Encrypt",
    "Decrypt",
    "CreateEncryptor",
    "CreateDecryptor",
    "TransformFinalBlock",
    "GenerateKey",
    "GenerateIV",
    "GetNonZeroBytes",
    "GetByteCount",
    // LINQ to XML
    "Elements",
    "Element",
    "Descendants",
    "DescendantsAndSelf",
    "Ancestors",
    "AncestorsAndSelf",
    "Attribute",
    "Attributes",
    "Nodes",
    "DescendantNodes",
];

/// Member names the evaluator knows on values.
pub(crate) const MEMBERS: &[&str] = &[
    "Length",
    "Count",
    "Value",
    "Name",
    "Key",
    "Keys",
    "Values",
    "HasValues",
    "Type",
    "Year",
    "Month",
    "Day",
    "Hour",
    "Minute",
    "Second",
    "Millisecond",
    "DayOfWeek",
    "DayOfYear",
    "Date",
    "Ticks",
    "TotalMilliseconds",
    "TotalSeconds",
    "TotalMinutes",
    "TotalHours",
    "TotalDays",
    "Days",
    "Hours",
    "Minutes",
    "Seconds",
    "Milliseconds",
    "StatusCode",
    "StatusReason",
    "Headers",
    "Body",
    "Claims",
    "Subject",
    "Issuer",
    "Audiences",
    "ExpirationTime",
    "NotBefore",
    "IssuedAt",
    "Id",
    "Algorithm",
    "UserId",
    "Password",
    "UTF8",
    "HasValue",
    "IV",
    "Mode",
    "Padding",
    "KeySize",
    "BlockSize",
    "HashSize",
    // LINQ to XML
    "Root",
    "Parent",
    "Document",
    "HasElements",
    "HasAttributes",
    "IsEmpty",
    "FirstNode",
    "LastNode",
    "NextNode",
    "PreviousNode",
    "NodeType",
    "LocalName",
    "NamespaceName",
    "Namespace",
    "IsNamespaceDeclaration",
];

/// `context` members Azure has and Tollgate does not.
const AZURE_ONLY: &[&str] = &[
    "Certificate",
    "PrivateEndpointConnection",
    "Protocols",
    "SubscriptionKeyParameterNames",
    "Workspace",
    "GatewayId",
    "Identities",
    "RegistrationDate",
    "SubscriptionsLimit",
    "State",
];

/// Where a member access goes, or why it cannot exist.
pub(crate) fn check_member(target: &Node, ty: Ty, name: &str) -> Result<Ty, String> {
    match ty {
        Ty::Any => {
            if MEMBERS.contains(&name) || NET_MEMBERS.contains(&name) {
                Ok(Ty::Any)
            } else {
                Err(format!("unsupported member `{name}`"))
            }
        }
        Ty::Static => {
            let Node::Type(type_name) = target else {
                return Ok(Ty::Any);
            };
            if STATIC_MEMBERS
                .iter()
                .any(|(t, m)| t == type_name && *m == name)
                || net_static_member(type_name, name)
            {
                Ok(Ty::Any)
            } else if let Some(why) = super::crypto::refused_member(type_name, name) {
                Err(why)
            } else {
                Err(format!("unsupported member `{type_name}.{name}`"))
            }
        }
        _ => context_member(ty, name).ok_or_else(|| {
            if AZURE_ONLY.contains(&name) {
                format!("unsupported member `{name}` of {}", describe_context(ty))
            } else {
                format!("{} has no member `{name}`", describe_context(ty))
            }
        }),
    }
}

/// Whether a method exists on the target, or why not.
pub(crate) fn check_method(target: &Node, ty: Ty, name: &str) -> Result<(), String> {
    match ty {
        Ty::Any if METHODS.contains(&name) || NET_METHODS.contains(&name) => Ok(()),
        Ty::Any => Err(format!("unsupported method `{name}`")),
        Ty::Static => {
            let Node::Type(type_name) = target else {
                return Ok(());
            };
            let known = STATIC_METHODS
                .iter()
                .any(|(t, methods)| t == type_name && methods.contains(&name))
                || net_static_method(type_name, name);
            if known {
                Ok(())
            } else {
                Err(format!("unsupported method `{type_name}.{name}`"))
            }
        }
        _ if context_method(ty, name) => Ok(()),
        _ => Err(format!("{} has no method `{name}`", describe_context(ty))),
    }
}

fn describe_context(ty: Ty) -> &'static str {
    match ty {
        Ty::Context => "`context`",
        Ty::Request => "`context.Request`",
        Ty::Response => "`context.Response`",
        Ty::Url => "a URL (`Url`)",
        Ty::Dict => "a dictionary (`Headers`, `Query`, `MatchedParameters`)",
        Ty::Body => "a message body (`Body`)",
        Ty::Variables => "`context.Variables`",
        Ty::Subscription => "`context.Subscription`",
        Ty::Product => "`context.Product`",
        Ty::Api => "`context.Api`",
        Ty::Operation => "`context.Operation`",
        Ty::LastError => "`context.LastError`",
        Ty::Deployment => "`context.Deployment`",
        Ty::User => "`context.User`",
        Ty::Any | Ty::Static => "the value",
    }
}
