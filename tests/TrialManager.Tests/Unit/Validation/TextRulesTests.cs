using System.Text.Json;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Tests.Unit.Validation;

public sealed class TextRulesTests
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new CheckedStringConverter(), new CheckedJsonElementConverter() },
    };

    private sealed record Body(string? Name, Dictionary<string, JsonElement>? Answers, List<Part?>? Parts);

    private sealed record Part(string? Code, List<string?>? Items);

    [TestCase("plain text")]
    [TestCase("line one\nline two\r\n\ttabbed")]
    [TestCase("emoji 🧪 and accents é")]
    public void Ordinary_text_is_accepted(string text) => Assert.That(TextRules.Problem(text), Is.Null);

    [TestCase("a\0b", "NUL")]
    [TestCase("bell\u0007", "U+0007")]
    [TestCase("c1\u0085", "U+0085")]
    [TestCase("rtl \u202Eevil", "U+202E")]
    [TestCase("isolate \u2066", "U+2066")]
    [TestCase("non \uFFFF char", "U+FFFF")]
    public void Text_that_cannot_be_stored_or_reads_otherwise_is_refused(string text, string named) =>
        Assert.That(TextRules.Problem(text), Does.Contain(named));

    // Built at run time: attribute arguments are stored as UTF-8, which cannot carry a lone surrogate.
    [Test]
    public void Unpaired_surrogates_are_refused()
    {
        Assert.That(TextRules.Problem("lone " + (char)0xD800 + " high"), Does.Contain("surrogate"));
        Assert.That(TextRules.Problem("lone " + (char)0xDC00), Does.Contain("surrogate"));
        Assert.That(TextRules.Problem("" + (char)0xD83E + (char)0xDDEA), Is.Null, "a pair is one character");
    }

    [Test]
    public void Every_string_value_and_name_of_a_body_is_checked_with_its_path()
    {
        var nul = Assert.Throws<TextRuleException>(() => JsonSerializer.Deserialize<Body>("""{"parts":[{"items":["ok","x\u0000"]}]}""", Options));
        var key = Assert.Throws<TextRuleException>(() => JsonSerializer.Deserialize<Body>("""{"answers":{"q\u0000":1}}""", Options));
        var inside = Assert.Throws<TextRuleException>(() => JsonSerializer.Deserialize<Body>("""{"answers":{"q1":{"a":["\u202E"]}}}""", Options));
        Assert.Multiple(() =>
        {
            Assert.That(nul!.Path, Is.EqualTo("$.parts[0].items[1]"));
            Assert.That(nul.Rule, Is.EqualTo("text"));
            Assert.That(key!.Message, Does.Contain("NUL"));
            Assert.That(inside!.Message, Does.Contain("U+202E"));
        });
    }

    [Test]
    public void Numbers_in_json_values_must_be_finite() =>
        Assert.That(Assert.Throws<TextRuleException>(() => JsonSerializer.Deserialize<Body>("""{"answers":{"q1":[1e309]}}""", Options))!.Rule,
            Is.EqualTo("finite"));

    /// <summary>The reader itself refuses it, as malformed JSON: a 400 rather than a 422, still before anything reads it.</summary>
    [Test]
    public void A_lone_surrogate_escaped_in_json_is_refused() =>
        Assert.Catch<JsonException>(() => JsonSerializer.Deserialize<Body>("""{"answers":{"q1":"\ud800"}}""", Options));

    [Test]
    public void Null_elements_are_found_at_any_depth_with_their_paths()
    {
        var body = new Body("x", null, [new Part("a", ["i", null]), null]);
        Assert.That(NullElements.Find(body), Is.EqualTo(new[]
        {
            new Violation("parts[0].items[1]", "not-null", "'parts[0].items' may not hold null elements."),
            new Violation("parts[1]", "not-null", "'parts' may not hold null elements."),
        }));
        Assert.That(NullElements.Find(new Body(null, null, null)), Is.Empty);
    }
}
