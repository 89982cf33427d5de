using System.Globalization;
using System.Text.Json;
using System.Xml;

namespace TrialManager.Api.Features.Exports;

/// <summary>Small writing helpers for ODM elements, and the one way values are formatted in an ODM file.</summary>
internal static class OdmXml
{
    public const string Namespace = "http://www.cdisc.org/ns/odm/v1.3";

    public static Task StartAsync(XmlWriter w, string element) => w.WriteStartElementAsync(null, element, Namespace);

    public static Task EndAsync(XmlWriter w) => w.WriteEndElementAsync();

    public static Task AttributeAsync(XmlWriter w, string name, string value) => w.WriteAttributeStringAsync(null, name, null, Clean(value));

    /// <summary>An element holding one English TranslatedText (Description, Decode, ...).</summary>
    public static async Task TranslatedAsync(XmlWriter w, string element, string text)
    {
        await StartAsync(w, element);
        await StartAsync(w, "TranslatedText");
        await w.WriteAttributeStringAsync("xml", "lang", null, "en");
        await w.WriteStringAsync(Clean(text));
        await EndAsync(w);
        await EndAsync(w);
    }

    public static async Task ItemDataAsync(XmlWriter w, string itemOid, string value)
    {
        await StartAsync(w, "ItemData");
        await AttributeAsync(w, "ItemOID", itemOid);
        await AttributeAsync(w, "Value", value);
        await EndAsync(w);
    }

    public static async Task RefAsync(XmlWriter w, string element, string oidAttribute, string oid, int order, bool mandatory)
    {
        await StartAsync(w, element);
        await AttributeAsync(w, oidAttribute, oid);
        await AttributeAsync(w, "OrderNumber", order.ToString(CultureInfo.InvariantCulture));
        await AttributeAsync(w, "Mandatory", mandatory ? "Yes" : "No");
        await EndAsync(w);
    }

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>ODM's float is xs:decimal, so never an exponent; trailing zeros are dropped (2.50 → 2.5).</summary>
    public static string Number(double value)
    {
        if (double.IsFinite(value) && Math.Abs(value) < 7.9e27)
        {
            return Number((decimal)value);
        }
        throw new InvalidOperationException($"The number {value.ToString("R", CultureInfo.InvariantCulture)} cannot be written as an ODM value.");
    }

    public static string Number(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    /// <summary>An answer as entered: numbers in ODM's decimal form, strings and dates as they are; null when there is none.</summary>
    public static string? Answer(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number when value.TryGetDecimal(out var exact) => Number(exact),
        JsonValueKind.Number => Number(value.GetDouble()),
        JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : null,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    /// <summary>Free text may hold characters XML 1.0 cannot carry (control characters, lone surrogates); they are dropped, not escaped.</summary>
    public static string Clean(string text)
    {
        if (text.All(c => c >= ' ' && c < '\ud800'))
        {
            return text;
        }
        var clean = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i]))
            {
                clean.Append(text, i++, 2);
            }
            else if (XmlConvert.IsXmlChar(text[i]))
            {
                clean.Append(text[i]);
            }
        }
        return clean.ToString();
    }
}
