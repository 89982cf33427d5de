using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>
/// The bad-value catalogue, and how it turns into mutations of one operation's valid request: every field of the body
/// (as the document's schema describes it, present or not) one at a time, the body as a whole, each query and path
/// parameter, and the headers. A mutation that the service must refuse says why; the rest only must not break it.
/// </summary>
public static partial class Catalogue
{
    public const string Huge = "10,000 characters fit no field of this API";
    public const string Nul = "PostgreSQL text cannot hold NUL";
    public const string Surrogate = "a lone UTF-16 surrogate is not Unicode text";
    public const string NotFinite = "a number must be finite";
    public const string Absurd = "no number of this API means 1e308";
    public const string NullElement = "a list element is never null";
    public const string EmptyElement = "a list element is never an empty object";
    public const string Duplicate = "a definition lists each of its parts once";

    /// <summary>A string that stands for raw JSON text in a mutated body (a lone surrogate escape, 1e309).</summary>
    private const string RawMarker = "@@raw-json@@";

    private static readonly string TenThousand = new('x', 10_000);

    /// <summary>Identifiers that survive CSV, ODM and URLs: control characters are never part of one.</summary>
    private static bool IsCode(string field, string? parent, bool element) =>
        field is "code" or "externalId" or "userName" or "fromLibrary" || field.EndsWith("Code", StringComparison.Ordinal)
        || element && field is "items" or "reverseItems" or "strata" or "timepoints" or "instruments"
        || field == "name" && parent is "factors" or "covariates";

    [GeneratedRegex(@"^scales\[\d+\]\.(items|reverseItems)$")]
    private static partial Regex ScaleItems();

    /// <summary>The catalogue's rules that hold for one field only.</summary>
    private static string? FieldRule(string operation, string path, string field, string kind) => (field, kind) switch
    {
        // A PATCH leaves out what it does not change.
        ("code", "missing" or "null") when operation.StartsWith("PATCH", StringComparison.Ordinal) => null,
        ("code", "missing" or "null" or "empty") => "a definition's code is required",
        ("multiplier", "zero" or "negative") => "a scale's multiplier is positive",
        ("entries", "missing" or "null") when operation.EndsWith("/schedule", StringComparison.Ordinal) =>
            "replacing the schedule needs its entries: a body without them would wipe it",
        (_, "repeated-element") when ScaleItems().IsMatch(path) => "a scale lists each item once",
        _ => null,
    };

    // ---- body fields

    /// <summary>Mutations of each field of the body, walking the valid body along its schema.</summary>
    public static IEnumerable<Mutation> BodyFields(ApiDocument document, Operation operation, JsonNode body, bool absentFields, Random random) =>
        new Walker(document, operation.Key, absentFields, random).Walk(document.Resolve(operation.BodySchema), body, [], null);

    private sealed class Walker(ApiDocument document, string operation, bool absentFields, Random random)
    {
        public IEnumerable<Mutation> Walk(JsonNode? schema, JsonNode? value, IReadOnlyList<object> path, string? parent)
        {
            schema = document.Resolve(schema);
            if (value is JsonObject obj)
            {
                var properties = schema?["properties"]?.AsObject();
                var isMap = properties is null && schema?["additionalProperties"] is not null and not JsonValue;
                var names = obj.Select(p => p.Key).ToList();
                if (properties is not null && absentFields)
                    names.AddRange(properties.Select(p => p.Key).Where(n => !obj.ContainsKey(n) && properties[n]?["readOnly"]?.GetValue<bool>() != true));
                foreach (var name in names)
                {
                    var fieldSchema = document.Resolve(properties?[name] ?? (isMap ? schema?["additionalProperties"] : null));
                    IReadOnlyList<object> at = [.. path, name];
                    var present = obj.TryGetPropertyValue(name, out var child);
                    foreach (var mutation in Values(fieldSchema, present ? child : null, at, name, parent, present))
                        yield return mutation;
                    if (present)
                        foreach (var mutation in Walk(fieldSchema, child, at, name))
                            yield return mutation;
                }
                if (isMap || properties is null && schema is null)
                    foreach (var mutation in MapKeys(path))
                        yield return mutation;
            }
            else if (value is JsonArray array && array.Count > 0)
            {
                IReadOnlyList<object> first = [.. path, 0];
                var itemSchema = schema?["items"];
                foreach (var mutation in Values(document.Resolve(itemSchema), array[0], first, FieldName(path), parent, present: true))
                    yield return mutation;
                foreach (var mutation in Walk(itemSchema, array[0], first, FieldName(path)))
                    yield return mutation;
            }
        }

        /// <summary>The catalogue for one position, chosen by its schema (or, untyped, by the valid value there).</summary>
        private IEnumerable<Mutation> Values(JsonNode? schema, JsonNode? value, IReadOnlyList<object> path, string field, string? parent, bool present)
        {
            // A schema without a type ({}) stands for any value: it gets the catalogue of strings and of numbers.
            var type = schema?["type"]?.GetValue<string>()
                ?? (schema?["properties"] is not null || schema?["additionalProperties"] is JsonObject ? "object" : null)
                ?? (value is JsonObject ? "object" : value is JsonArray ? "array" : schema is null ? TypeOf(value) : null);
            var elementsAreObjects = value is JsonArray { Count: > 0 } list ? list[0] is JsonObject
                : document.Resolve(schema?["items"])?["properties"] is not null;
            var format = schema?["format"]?.GetValue<string>();
            var code = IsCode(field, parent, element: path[^1] is int);
            var text = PathText(path);
            var candidates = new List<(string Kind, Func<JsonNode?, JsonNode?>? Set, string? Raw, string? Must)>();
            void Add(string kind, Func<JsonNode?, JsonNode?>? set, string? must = null, string? raw = null) => candidates.Add((kind, set, raw, must));

            if (present && path[^1] is string)
                Add("missing", null);
            Add("null", _ => null, path[^1] is int ? NullElement : null);
            switch (type)
            {
                case "string" or null:
                    Add("wrong-type-number", _ => 12345);
                    Add("wrong-type-object", _ => new JsonObject { ["x"] = 1 });
                    Add("empty", _ => "");
                    Add("huge-string", _ => TenThousand, Huge);
                    Add("control-chars", _ => "a\u0001\u001b[31mb\u007f", code ? "a code holds no control characters" : null);
                    Add("nul", _ => "a\u0000b", Nul);
                    Add("lone-surrogate", _ => RawMarker, Surrogate, "\"a\\ud800b\"");
                    if (schema?["enum"] is JsonArray)
                        Add("unknown-word", _ => "no-such-word", "not one of the documented words");
                    switch (format)
                    {
                        case "uuid":
                            Add("not-a-uuid", _ => "not-a-uuid");
                            Add("unknown-uuid", _ => NewId(random).ToString(), "an id in a body names something that exists");
                            Add("nil-uuid", _ => Guid.Empty.ToString(), "an id in a body names something that exists");
                            break;
                        case "date":
                            Add("date-min", _ => "0001-01-01", "no trial date is in the year 1");
                            Add("date-max", _ => "9999-12-31", "no trial date is in the year 9999");
                            Add("date-impossible", _ => "2011-02-30");
                            Add("date-garbage", _ => "some day");
                            break;
                        case "date-time":
                            Add("date-time-min", _ => "0001-01-01T00:00:00Z");
                            Add("date-time-max", _ => "9999-12-31T23:59:59Z");
                            Add("date-time-garbage", _ => "some time");
                            break;
                    }
                    if (type is null)
                        AddNumbers(Add, integer: false, typed: false);
                    break;
                case "integer" or "number":
                    Add("wrong-type-string", _ => "abc");
                    Add("wrong-type-bool", _ => true);
                    AddNumbers(Add, type == "integer", typed: true);
                    if (type == "integer")
                    {
                        Add("fraction", _ => 1.5);
                        Add("int-overflow", _ => RawMarker, raw: format == "int64" ? "9223372036854775808" : "2147483648");
                    }
                    break;
                case "boolean":
                    Add("wrong-type-string", _ => "yes");
                    Add("wrong-type-number", _ => 1);
                    break;
                case "array":
                    Add("wrong-type-string", _ => "x");
                    Add("wrong-type-object", _ => new JsonObject { ["x"] = 1 });
                    Add("empty-array", _ => new JsonArray());
                    Add("null-element", _ => new JsonArray((JsonNode?)null), NullElement);
                    var objects = elementsAreObjects;
                    if (objects)
                        Add("empty-object-element", _ => new JsonArray(new JsonObject()), EmptyElement);
                    else
                        Add("wrong-element", _ => new JsonArray(new JsonObject { ["x"] = 1 }), "a list of values holds no objects");
                    if (value is JsonArray { Count: > 0 })
                    {
                        Add("duplicate-element", v => new JsonArray([.. v!.AsArray().Take(1).Select(e => e?.DeepClone()),
                            .. v.AsArray().Select(e => e?.DeepClone())]), objects ? Duplicate : null);
                        // The whole list over and over, so that only the repetition is wrong (every element still belongs).
                        Add("repeated-element", v => new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => v!.AsArray()[i % v.AsArray().Count]?.DeepClone())]),
                            objects ? Duplicate : null);
                    }
                    break;
                case "object":
                    Add("wrong-type-string", _ => "x");
                    Add("wrong-type-array", _ => new JsonArray());
                    Add("empty-object", _ => new JsonObject());
                    break;
            }
            if (value is JsonValue && (type is null or "object"))
            {
                Add("nested-object", _ => new JsonObject { ["x"] = new JsonObject { ["y"] = 1 } });
                Add("array", _ => new JsonArray(1, 2));
            }

            foreach (var (kind, set, raw, must) in candidates)
                yield return new Mutation(kind, $"body {text}", probe => EditBody(probe, path, set, raw))
                {
                    MustRefuse = FieldRule(operation, text, field, kind) ?? must,
                    Names = text,
                };
        }
    }

    private static string FieldName(IReadOnlyList<object> path) => path.LastOrDefault(p => p is string) as string ?? "";

    private static string PathText(IReadOnlyList<object> path)
    {
        var text = new StringBuilder();
        foreach (var part in path)
            text.Append(part is int i ? $"[{i}]" : text.Length == 0 ? part : $".{part}");
        return text.ToString();
    }

    /// <summary>A random id drawn from the run's seeded generator, so that a run can be repeated.</summary>
    public static Guid NewId(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    /// <summary>"NaN" and "Infinity" are numbers only where a number is expected; in an untyped position they are plain words.</summary>
    private static void AddNumbers(Action<string, Func<JsonNode?, JsonNode?>?, string?, string?> add, bool integer, bool typed)
    {
        add("negative", _ => -1, null, null);
        add("zero", _ => 0, null, null);
        add("huge-number", _ => RawMarker, Absurd, "1e308");
        add("non-finite", _ => RawMarker, NotFinite, "1e309");
        add("negative-non-finite", _ => RawMarker, NotFinite, "-1e309");
        add("nan-string", _ => "NaN", typed ? NotFinite : null, null);
        add("infinity-string", _ => "Infinity", typed ? NotFinite : null, null);
        if (!integer)
            add("numeric-string", _ => "2", null, null);
    }

    private static string? TypeOf(JsonNode? value) => value?.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.Number => "number",
        System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
        System.Text.Json.JsonValueKind.Array => "array",
        System.Text.Json.JsonValueKind.Object => "object",
        _ => null,
    };

    /// <summary>Keys of a free-form map (answers, covariates) are stored and exported too.</summary>
    private static IEnumerable<Mutation> MapKeys(IReadOnlyList<object> path)
    {
        var text = PathText(path);
        foreach (var (kind, key, must) in new[]
                 {
                     ("key-nul", "a\u0000b", Nul), ("key-huge", TenThousand, Huge), ("key-empty", "", null),
                     ("key-control-chars", "a\u0001b", "a name holds no control characters"),
                 })
            yield return new Mutation(kind, $"body {text}", probe => EditBody(probe, path, v =>
            {
                var map = v!.DeepClone().AsObject();
                map[key] = 1;
                return map;
            }, null)) { MustRefuse = must, Names = text };
    }

    /// <summary>Sets (or, with no setter, removes) the value at one path of the JSON body.</summary>
    private static Probe EditBody(Probe probe, IReadOnlyList<object> path, Func<JsonNode?, JsonNode?>? set, string? raw)
    {
        var root = JsonNode.Parse(probe.Body!)!;
        if (path.Count == 0)
            root = set!(root)!;
        else
        {
            var parent = path.Take(path.Count - 1).Aggregate(root, (node, part) => part is int i ? node[i]! : node[(string)part]!);
            switch (path[^1], parent)
            {
                case (string name, JsonObject o) when set is null:
                    o.Remove(name);
                    break;
                case (string name, JsonObject o):
                    o[name] = set(o[name]);
                    break;
                case (int index, JsonArray a):
                    a[index] = set!(a[index]);
                    break;
            }
        }
        var text = root.ToJsonString();
        return probe.WithJson(raw is null ? text : text.Replace($"\"{RawMarker}\"", raw));
    }

    // ---- the body as a whole

    public static IEnumerable<Mutation> WholeBody(string operation)
    {
        Mutation Text(string kind, Func<string, string> change, string? must = null) =>
            new(kind, "body", p => p.WithJson(change(Encoding.UTF8.GetString(p.Body!)))) { MustRefuse = must };
        Mutation Bytes(string kind, Func<Probe, Probe> change) => new(kind, "body", change);

        yield return Text("malformed-truncated", b => b[..(b.Length / 2)]);
        yield return Text("malformed-trailing", b => b + "}");
        yield return Text("single-quotes", b => b.Replace('"', '\''));
        yield return Text("empty-body", _ => "");
        yield return Text("json-null", _ => "null");
        yield return Text("json-array", _ => "[]");
        yield return Text("json-string", _ => "\"x\"");
        yield return Text("json-number", _ => "1");
        yield return Text("empty-object", _ => "{}", operation.EndsWith("/schedule", StringComparison.Ordinal)
            ? "replacing the schedule needs its entries: {} would wipe it" : null);
        yield return Text("deep-nesting", _ => new string('[', 5_000) + new string(']', 5_000));
        yield return Text("huge-body", _ => $"{{\"x\":\"{new string('x', 2 * 1024 * 1024)}\"}}");
        yield return Text("unknown-property", b => b.Trim() == "{}" ? "{\"zzUnknown\":1}" : b.Insert(b.IndexOf('{') + 1, "\"zzUnknown\":1,"));
        yield return Bytes("invalid-utf8", p =>
        {
            var body = p.Body!.ToList();
            var at = body.IndexOf((byte)':');
            var quote = at < 0 ? -1 : body.IndexOf((byte)'"', at);
            if (quote >= 0)
                body.InsertRange(quote + 1, [0xC3, 0x28]);
            return p with { Body = [.. body] };
        });
        yield return Bytes("text-plain", p => p with { ContentType = "text/plain" });
        yield return Bytes("xml", p => p with { Body = "<trial><code>X</code></trial>"u8.ToArray(), ContentType = "application/xml" });
        yield return Bytes("form", p => p with { Body = "code=X&title=Y"u8.ToArray(), ContentType = "application/x-www-form-urlencoded" });
        yield return Bytes("no-content-type", p => p with { ContentType = null });
        yield return Bytes("json-latin1", p => p with { ContentType = "application/json; charset=iso-8859-1" });
    }

    // ---- parameters

    public static IEnumerable<Mutation> QueryParameter(Parameter parameter)
    {
        Mutation Value(string kind, string encoded, string? must = null) =>
            new(kind, $"query {parameter.Name}", p => p.WithQuery(parameter.Name, encoded)) { MustRefuse = must, Names = parameter.Name };

        yield return Value("wrong-type", parameter switch
        {
            { Format: "uuid" } => "not-a-guid",
            { Format: "date-time" or "date" } => "some%20day",
            { Type: "integer" or "number" } => "many",
            { Type: "boolean" } => "maybe",
            _ => "no-such-value",
        });
        yield return Value("nul", "a%00b");
        yield return Value("control-chars", "a%01%1Bb");
        yield return Value("invalid-utf8", "a%C3%28b");
        yield return Value("lone-surrogate", "a%ED%A0%80b");
        yield return Value("huge", new string('x', 3_000));
        yield return Value("empty", "");
        yield return new Mutation("repeated", $"query {parameter.Name}", p => p.WithQuery(parameter.Name, "a").WithQuery(parameter.Name, "b"))
            { Names = parameter.Name };
        if (parameter.Type is "integer")
        {
            yield return Value("negative", "-1");
            yield return Value("int-max", "2147483647");
            yield return Value("int-overflow", "2147483648");
        }
        if (parameter.Format is "date-time")
        {
            yield return Value("date-time-min", "0001-01-01T00%3A00%3A00Z");
            yield return Value("date-time-max", "9999-12-31T23%3A59%3A59Z");
        }
    }

    /// <summary>Path segments: an id that names nothing the caller may see is a 404 whatever its shape.</summary>
    public static IEnumerable<Mutation> PathParameter(Parameter parameter, string? ofAnotherTrial, bool isRead, Random random)
    {
        Mutation Value(string kind, string encoded, int? expects = null) =>
            new(kind, $"path {parameter.Name}", p => p.WithPathValue(parameter.Name, encoded)) { Expects = expects };

        if (parameter.Format == "uuid")
        {
            yield return Value("unknown-id", NewId(random).ToString(), 404);
            yield return Value("nil-uuid", Guid.Empty.ToString(), 404);
            yield return Value("not-a-uuid", "not-a-uuid", 404);
            if (ofAnotherTrial is not null)
                yield return Value("other-trials-id", ofAnotherTrial, 404);
            yield break;
        }
        yield return Value("unknown-code", "no-such-code", isRead ? 404 : null);
        yield return Value("nul", "a%00b") with { RefusedByServer = true };
        yield return Value("control-chars", "a%01b");
        yield return Value("huge", new string('x', 2_000));
        yield return Value("non-ascii", "%C3%A9t%C3%A9");
        yield return Value("encoded-slash", "a%2Fb");
    }

    // ---- headers

    /// <summary>
    /// Header mutations of the valid request, and of one the service refuses (`failing`): an error must be problem
    /// details whatever the caller accepts.
    /// </summary>
    public static IEnumerable<Mutation> Headers(Operation operation, Func<Probe, Probe> failing, Random random)
    {
        foreach (var accept in new[] { "application/xml", "text/csv", "text/html", "image/png", "*/*;q=0", "garbage;;;" })
        {
            yield return new Mutation("accept " + accept, "header Accept", p => p.WithHeader("Accept", accept));
            yield return new Mutation("failing, accept " + accept, "header Accept", p => failing(p).WithHeader("Accept", accept));
        }
        // Credentials in the Authorization header are refused with 401 everywhere but where none are needed (sign-in).
        foreach (var (kind, value) in operation.Anonymous ? [] : new[]
                 {
                     ("no-authorization", (string?)null), ("bearer-without-token", "Bearer"), ("bearer-garbage", "Bearer not-a-token"),
                     ("basic-credentials", "Basic dXNlcjpwYXNz"), ("bearer-huge", "Bearer " + new string('a', 600)),
                 })
            yield return new Mutation(kind, "header Authorization", p => (p with { Token = null }).WithHeader("Authorization", value)) { Expects = 401 };
        yield return new Mutation("request-id-garbage", "header X-Request-Id", p => p.WithHeader("X-Request-Id", "not acceptable!" + new string('x', 100)));
        if (operation.IsRead)
            yield break;
        yield return new Mutation("if-match-garbage", "header If-Match", p => p.WithHeader("If-Match", "\"garbage\""));
        yield return new Mutation("if-match-weak", "header If-Match", p => p.WithHeader("If-Match", "W/\"1\""));
        // The writes that take an Idempotency-Key (a DELETE ignores it).
        if (operation.Method is not ("POST" or "PUT" or "PATCH"))
            yield break;
        yield return new Mutation("idempotency-key-huge", "header Idempotency-Key", p => p.WithHeader("Idempotency-Key", new string('k', 300)))
            { MustRefuse = "an idempotency key has at most 200 characters" };
        yield return new Mutation("idempotency-key-on-refused", "header Idempotency-Key",
            p => failing(p).WithHeader("Idempotency-Key", NewId(random).ToString()));
        // These record nothing a retry could duplicate: they keep nothing for a key, so a reused one is not refused.
        if (operation.Key is "POST /api/v1/trials/{trialId}/randomisation/preview" or "POST /api/v1/trials/{trialId}/audit/checkpoints"
            or "POST /api/v1/jobs/{jobName}/trigger")
            yield break;
        var reused = NewId(random).ToString();
        yield return new Mutation("idempotency-key-reused", "header Idempotency-Key",
                p => (p.Body is null ? p.WithQuery("other", "1") : p.WithJson(" " + Encoding.UTF8.GetString(p.Body))).WithHeader("Idempotency-Key", reused))
            { Prepare = p => p.WithHeader("Idempotency-Key", reused), MustRefuse = "a key used for another request is refused" };
    }
}
