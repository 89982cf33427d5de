using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Tests.Unit.Outcomes;

/// <summary>Every definition the rules accept can be scored, exported and shown; each way to break one is named.</summary>
public sealed class InstrumentDefinitionRulesTests
{
    private static readonly ItemDefinition Q1 = new("q1", "First", "integer", 0, 4, null, true);
    private static readonly ItemDefinition Q2 = new("q2", "Second", "integer", 0, 4, null, true);
    private static readonly ScaleDefinition Total = new("total", "Total", ["q1", "q2"], "sum", [], 2, false, null);

    private static InstrumentDefinition Valid() => new("MOOD", "Mood", "", [Q1, Q2], [Total], [new MissingCode(-99, "Refused")]);

    private static IEnumerable<string> Broken(InstrumentDefinition d) => InstrumentRules.CheckDefinition(d).Select(v => $"{v.Field}/{v.Rule}");

    [Test]
    public void A_well_formed_definition_passes() => Assert.That(Broken(Valid()), Is.Empty);

    private static IEnumerable<TestCaseData> Breakages()
    {
        TestCaseData Case(string name, InstrumentDefinition d, string broken) => new TestCaseData(d, broken).SetName(name);
        yield return Case("A scale without a code", Valid() with { Scales = [Total with { Code = null! }] }, "scales[0].code/code");
        yield return Case("A scale code of 10,000 characters", Valid() with { Scales = [Total with { Code = new string('s', 10_000) }] }, "scales[0].code/code");
        yield return Case("A code with a control character", Valid() with { Code = "MO\u0001OD" }, "code/code");
        yield return Case("A scale that lists one item 10,000 times",
            Valid() with { Scales = [Total with { Items = Enumerable.Repeat("q1", 10_000).ToList(), MinAnswered = 1 }] }, "scales[0].items/unique");
        yield return Case("An empty missing-data code", Valid() with { MissingCodes = [new MissingCode(0, null!)] }, "missingCodes[0].value/not-a-value");
        yield return Case("A missing-data code without a label", Valid() with { MissingCodes = [new MissingCode(-9, null!)] }, "missingCodes[0].label/title");
        yield return Case("A multiplier of 0", Valid() with { Scales = [Total with { Multiplier = 0 }] }, "scales[0].multiplier/positive");
        yield return Case("A negative multiplier", Valid() with { Scales = [Total with { Multiplier = -1 }] }, "scales[0].multiplier/positive");
        yield return Case("A multiplier of 1e308", Valid() with { Scales = [Total with { Multiplier = 1e308 }] }, "scales[0].multiplier/positive");
        yield return Case("An infinite limit", Valid() with { Items = [Q1 with { Max = double.PositiveInfinity }, Q2] }, "items[0]/range");
        yield return Case("A NaN missing-data code", Valid() with { MissingCodes = [new MissingCode(double.NaN, "x")] }, "missingCodes[0].value/finite");
        yield return Case("An item without a code", Valid() with { Items = [Q1 with { Code = null! }, Q2] }, "items[0].code/code");
        yield return Case("Duplicate item codes", Valid() with { Items = [Q1, Q1], Scales = [] }, "items/unique");
        yield return Case("A scale code that is an item code", Valid() with { Scales = [Total with { Code = "q1" }] }, "scales/unique");
        yield return Case("A title over 200 characters", Valid() with { Title = new string('t', 201) }, "title/title");
        yield return Case("A title on two lines", Valid() with { Title = "Mood\nscale" }, "title/title");
        yield return Case("A scale without items", Valid() with { Scales = [Total with { Items = null! }] }, "scales[0].items/numeric-items");
        yield return Case("Reverse items listed twice", Valid() with { Scales = [Total with { ReverseItems = ["q1", "q1"] }] }, "scales[0].reverseItems/in-scale");
        yield return Case("A choice without options", Valid() with { Items = [Q1, Q2, new ItemDefinition("c", "Choice", "choice", null, null, null, false)] },
            "items[2].options/options");
        yield return Case("An option with a control character",
            Valid() with { Items = [Q1, Q2, new ItemDefinition("c", "Choice", "choice", null, null, [new ChoiceOption("a\u0002", "A")], false)] },
            "items[2].options[0].value/code");
        yield return Case("An integer item with a fractional limit", Valid() with { Items = [Q1 with { Max = 4.5 }, Q2] }, "items[0]/range");
        yield return Case("No items", Valid() with { Items = [], Scales = [] }, "items/count");
    }

    [TestCaseSource(nameof(Breakages))]
    public void Each_breakage_is_named(InstrumentDefinition definition, string broken) =>
        Assert.That(Broken(definition), Does.Contain(broken));
}
