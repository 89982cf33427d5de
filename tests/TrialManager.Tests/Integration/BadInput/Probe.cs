using System.Text;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>
/// One request exactly as it is sent: method, the path's template and its values (already encoded), the query string
/// (encoded too), headers, body bytes and their media type, and the caller's token (null for none).
/// </summary>
public sealed record Probe(string Method, string Template, IReadOnlyDictionary<string, string> PathValues, string Query,
    IReadOnlyDictionary<string, string> Headers, byte[]? Body, string? ContentType, string? Token)
{
    public string Path => PathValues.Aggregate(Template, (path, p) => path.Replace($"{{{p.Key}}}", p.Value));

    public string Url => Query.Length == 0 ? Path : $"{Path}?{Query}";

    public Probe WithPathValue(string name, string encodedValue) =>
        this with { PathValues = new Dictionary<string, string>(PathValues) { [name] = encodedValue } };

    public Probe WithHeader(string name, string? value)
    {
        var headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase);
        if (value is null)
            headers.Remove(name);
        else
            headers[name] = value;
        return this with { Headers = headers };
    }

    public Probe WithJson(string json) => this with { Body = Encoding.UTF8.GetBytes(json), ContentType = "application/json" };

    public Probe WithQuery(string name, string encodedValue) =>
        this with { Query = Query.Length == 0 ? $"{name}={encodedValue}" : $"{Query}&{name}={encodedValue}" };

    /// <summary>How a report shows it: method, URL, headers, and the body cut short, with control characters made visible.</summary>
    public string Describe(string? callerName = null)
    {
        var text = new StringBuilder($"{Method} {Shorten(Url, 300)}");
        if (callerName is not null)
            text.Append($"  [as {callerName}]");
        foreach (var (name, value) in Headers)
            text.Append($"\n      {name}: {Shorten(value, 120)}");
        if (Body is not null)
            text.Append($"\n      body ({ContentType ?? "no Content-Type"}, {Body.Length} bytes): {Shorten(Encoding.UTF8.GetString(Body), 400)}");
        return text.ToString();
    }

    public static string Shorten(string text, int length)
    {
        var visible = new StringBuilder();
        foreach (var c in text.Length > length ? text[..length] : text)
            visible.Append(char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString());
        return text.Length > length ? $"{visible}… ({text.Length} chars)" : visible.ToString();
    }
}
