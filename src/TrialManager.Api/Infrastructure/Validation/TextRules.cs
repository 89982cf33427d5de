using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrialManager.Api.Infrastructure.Validation;

/// <summary>
/// The one rule for text the service accepts, applied to every string of every request (body values and keys, JSON
/// values inside bodies, query and route values) before anything reads it: no control characters but tab, line feed
/// and carriage return (NUL cannot even be stored), no unpaired UTF-16 surrogates, no noncharacters, and no
/// bidirectional overrides or isolates, which can make a stored text read differently from what it is ("Trojan
/// Source"). Line breaks are refused where a field is one line (codes, titles, names, labels: see <see cref="CodeRules"/>).
/// Text is kept as sent otherwise: codes are ASCII by their own rule, so identifiers compare exactly. (Unicode
/// normalisation would need ICU, which the service runs without: invariant globalization.)
/// </summary>
public static class TextRules
{
    public const string Rule = "text";

    /// <summary>Why the text is refused, or null when it is acceptable.</summary>
    public static string? Problem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
                return "holds an unpaired UTF-16 surrogate";
            if (c is '\t' or '\n' or '\r')
                continue;
            if (char.IsControl(c))
                return c == '\0' ? "holds a NUL character" : $"holds the control character U+{(int)c:X4}";
            if (c is '\uFFFE' or '\uFFFF')
                return $"holds the noncharacter U+{(int)c:X4}";
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
                return $"holds the bidirectional control U+{(int)c:X4}";
        }
        return null;
    }

    /// <summary>The text, or a <see cref="TextRuleException"/> that the problem handler turns into a 422.</summary>
    public static string Checked(string text, string what = "A text") =>
        Problem(text) is { } problem ? throw new TextRuleException($"{what} {problem}.") : text;

    public static bool HasLineBreak(string? text) => text is not null && text.AsSpan().IndexOfAny('\n', '\r') >= 0;
}

/// <summary>A value that breaks a rule of every request (<see cref="TextRules"/>, finite numbers), thrown while a body is read; the serializer adds its JSON path.</summary>
public sealed class TextRuleException(string message, string rule = TextRules.Rule) : JsonException(message)
{
    public string Rule => rule;
}

/// <summary>Every string value and property name of a request body passes <see cref="TextRules"/>.</summary>
public sealed class CheckedStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? TextRules.Checked(reader.GetString()!)
            : throw new JsonException();

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TextRules.Checked(reader.GetString()!, "A name");

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);
}

/// <summary>
/// Free JSON inside a body (answers, covariates, corrections) holds strings too: every one, and every property name,
/// passes <see cref="TextRules"/>; and every number must be finite, which JSON itself requires.
/// </summary>
public sealed class CheckedJsonElementConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        Check(document.RootElement);
        return document.RootElement.Clone();
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);

    private static void Check(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                TextRules.Checked(element.GetString()!);
                break;
            case JsonValueKind.Number when !element.TryGetDouble(out var number) || !double.IsFinite(number):
                throw new TextRuleException("A number is too large to be stored.", "finite");
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    Check(item);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    TextRules.Checked(property.Name, "A name");
                    Check(property.Value);
                }
                break;
        }
    }
}

/// <summary>Query-string and route values pass <see cref="TextRules"/> before binding: a refused one is a 400 naming it.</summary>
public static class CheckedRequestValues
{
    public static IApplicationBuilder UseCheckedRequestValues(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var values = context.Request.Query.SelectMany(q => q.Value.Select(v => (Name: q.Key, Value: v)))
            .Concat(context.GetRouteData().Values.Select(r => (Name: r.Key, Value: r.Value as string)));
        foreach (var (name, value) in values)
            if (value is not null && TextRules.Problem(value) is { } problem)
            {
                var field = JsonNamingPolicy.CamelCase.ConvertName(name);
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Detail = $"'{field}' {problem}.",
                        Extensions =
                        {
                            ["errors"] = new Dictionary<string, string[]> { [field] = [$"'{field}' {problem}."] },
                            ["violations"] = new[] { new Errors.Violation(field, TextRules.Rule, $"'{field}' {problem}.") },
                        },
                    },
                });
                return;
            }
        await next(context);
    });
}
