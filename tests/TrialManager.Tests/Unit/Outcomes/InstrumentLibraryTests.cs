using TrialManager.Api.Features.Outcomes;
using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Tests.Unit.Outcomes;

public sealed class InstrumentLibraryTests
{
    private static readonly string[] Pack = ["HHI", "INSPIRE", "MANSA", "QPR", "QPR15", "RKI"];

    private static InstrumentDefinition Get(string code) => InstrumentLibrary.Find(code) ?? throw new AssertionException($"{code} is not in the library");

    private static ScaleDefinition Scale(InstrumentDefinition d, string code) => d.Scales.Single(s => s.Code == code);

    private static string[] Codes(string prefix, int count) => Enumerable.Range(1, count).Select(i => $"{prefix}{i}").ToArray();

    [Test]
    public void Library_holds_exactly_the_REFOCUS_pack_ordered_by_code() =>
        Assert.That(InstrumentLibrary.All.Select(d => d.Code), Is.EqualTo(Pack));

    [Test]
    public void Find_is_case_sensitive_and_returns_null_for_an_unknown_code()
    {
        Assert.Multiple(() =>
        {
            Assert.That(InstrumentLibrary.Find("QPR")?.Code, Is.EqualTo("QPR"));
            Assert.That(InstrumentLibrary.Find("qpr"), Is.Null);
            Assert.That(InstrumentLibrary.Find("PHQ9"), Is.Null);
            Assert.That(InstrumentLibrary.Find("QPR"), Is.SameAs(InstrumentLibrary.All.Single(d => d.Code == "QPR")), "loaded once");
        });
    }

    [TestCaseSource(nameof(Pack))]
    public void Shipped_definition_is_coherent(string code) =>
        Assert.That(InstrumentRules.CheckDefinition(Get(code)).Select(v => $"{v.Field}/{v.Rule}"), Is.Empty);

    [TestCaseSource(nameof(Pack))]
    public void Shipped_definition_has_the_three_missing_codes_neutral_labels_and_sources(string code)
    {
        var d = Get(code);
        Assert.Multiple(() =>
        {
            Assert.That(d.MissingCodes.Select(m => (m.Value, m.Label)),
                Is.EqualTo(new[] { (-99.0, "Refused"), (-98.0, "Not applicable"), (-97.0, "Not asked") }));
            Assert.That(d.Items.Select(i => i.Label), Has.All.Length.LessThanOrEqualTo(45), "short neutral labels, never item wording");
            Assert.That(d.Source, Has.Length.GreaterThan(300), "cites its publications and explains its choices");
            Assert.That(InstrumentDefinition.FromJson(d.ToJson()).ToJson(), Is.EqualTo(d.ToJson()), "round-trips through the JSON shape");
        });
    }

    [TestCase("QPR", "Neil et al. 2009")]
    [TestCase("QPR15", "Williams et al., Br J Psychiatry 2015")]
    [TestCase("INSPIRE", "Williams et al., Soc Psychiatry Psychiatr Epidemiol 2015")]
    [TestCase("HHI", "Herth 1992")]
    [TestCase("MANSA", "Priebe et al. 1999")]
    [TestCase("RKI", "Bedregal, O'Connell & Davidson 2006")]
    public void Source_cites_the_publication(string code, string citation) =>
        Assert.That(Get(code).Source, Does.Contain(citation));

    [TestCase("QPR")]
    [TestCase("QPR15")]
    [TestCase("INSPIRE")]
    [TestCase("MANSA")]
    [TestCase("RKI")]
    public void Unconfirmed_facts_are_named_in_the_source(string code) =>
        Assert.That(Get(code).Source, Does.Contain("UNCONFIRMED"));

    [Test]
    public void QPR_has_22_required_items_0_to_4_and_sum_subscales_of_17_and_5()
    {
        var d = Get("QPR");
        var intra = Scale(d, "intrapersonal");
        var inter = Scale(d, "interpersonal");
        var total = Scale(d, "total");
        Assert.Multiple(() =>
        {
            Assert.That(d.Items.Select(i => i.Code), Is.EqualTo(Codes("q", 22)));
            Assert.That(d.Items, Has.All.Matches<ItemDefinition>(i => i.Type == "integer" && i.Min == 0 && i.Max == 4 && i.Required));
            Assert.That(intra.Items, Has.Count.EqualTo(17));
            Assert.That(inter.Items, Has.Count.EqualTo(5));
            Assert.That(intra.Items.Concat(inter.Items), Is.EquivalentTo(Codes("q", 22)), "the subscales partition the items");
            Assert.That(total.Items, Is.EquivalentTo(Codes("q", 22)));
            Assert.That(d.Scales.Select(s => s.Code), Is.EquivalentTo(new[] { "intrapersonal", "interpersonal", "total" }));
            Assert.That(d.Scales, Has.All.Matches<ScaleDefinition>(s => s.Method == "sum" && s.ReverseItems.Count == 0 && s.Multiplier == null));
        });
    }

    [Test]
    public void QPR15_has_15_items_0_to_4_and_a_sum_total()
    {
        var d = Get("QPR15");
        Assert.Multiple(() =>
        {
            Assert.That(d.Items, Has.Count.EqualTo(15));
            Assert.That(d.Items, Has.All.Matches<ItemDefinition>(i => i.Type == "integer" && i.Min == 0 && i.Max == 4 && i.Required));
            Assert.That(d.Scales.Select(s => (s.Code, s.Method, s.Items.Count)), Is.EqualTo(new[] { ("total", "sum", 15) }));
        });
    }

    [Test]
    public void HHI_has_12_items_1_to_4_with_items_3_and_6_reversed_in_a_sum_total()
    {
        var d = Get("HHI");
        var total = Scale(d, "total");
        Assert.Multiple(() =>
        {
            Assert.That(d.Items.Select(i => i.Code), Is.EqualTo(Codes("h", 12)));
            Assert.That(d.Items, Has.All.Matches<ItemDefinition>(i => i.Type == "integer" && i.Min == 1 && i.Max == 4 && i.Required));
            Assert.That(d.Scales, Has.Count.EqualTo(1));
            Assert.That(total.Method, Is.EqualTo("sum"));
            Assert.That(total.Items, Is.EquivalentTo(Codes("h", 12)));
            Assert.That(total.ReverseItems, Is.EquivalentTo(new[] { d.Items[2].Code, d.Items[5].Code }));
        });
    }

    [Test]
    public void MANSA_scores_the_mean_of_12_satisfaction_items_and_records_4_unscored_yes_no_items()
    {
        var d = Get("MANSA");
        var satisfaction = d.Items.Where(i => i.Type == "integer").ToList();
        var objective = d.Items.Where(i => i.Type == "choice").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(d.Items, Has.Count.EqualTo(16));
            Assert.That(satisfaction, Has.Count.EqualTo(12));
            Assert.That(satisfaction, Has.All.Matches<ItemDefinition>(i => i.Min == 1 && i.Max == 7));
            Assert.That(objective, Has.Count.EqualTo(4));
            Assert.That(objective.Select(i => i.Options!.Select(o => o.Value)), Has.All.EqualTo(new[] { "yes", "no" }));
            Assert.That(d.Scales.Select(s => (s.Code, s.Method)), Is.EqualTo(new[] { ("mean", "mean") }));
            Assert.That(d.Scales[0].Items, Is.EquivalentTo(satisfaction.Select(i => i.Code)));
        });
    }

    [Test]
    public void INSPIRE_has_support_20_and_relationship_7_items_reported_0_to_100()
    {
        var d = Get("INSPIRE");
        Assert.Multiple(() =>
        {
            Assert.That(d.Items, Has.Count.EqualTo(27));
            Assert.That(d.Items, Has.All.Matches<ItemDefinition>(i => i.Type == "integer" && i.Min == 0 && i.Max == 4));
            Assert.That(Scale(d, "support").Items, Has.Count.EqualTo(20));
            Assert.That(Scale(d, "relationship").Items, Has.Count.EqualTo(7));
            Assert.That(Scale(d, "support").Items.Intersect(Scale(d, "relationship").Items), Is.Empty);
            Assert.That(d.Scales, Has.All.Matches<ScaleDefinition>(s => s.Method == "mean" && s.Multiplier == 25));
        });
    }

    [Test]
    public void RKI_has_20_items_1_to_5_in_four_mean_domains_and_a_total()
    {
        var d = Get("RKI");
        var domains = d.Scales.Where(s => s.Code != "total").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(d.Items, Has.Count.EqualTo(20));
            Assert.That(d.Items, Has.All.Matches<ItemDefinition>(i => i.Type == "integer" && i.Min == 1 && i.Max == 5));
            Assert.That(domains, Has.Count.EqualTo(4));
            Assert.That(domains.SelectMany(s => s.Items), Is.EquivalentTo(d.Items.Select(i => i.Code)), "the domains partition the items");
            Assert.That(Scale(d, "total").Items, Has.Count.EqualTo(20));
            Assert.That(d.Scales, Has.All.Matches<ScaleDefinition>(s => s.Method == "mean"));
        });
    }

    [TestCaseSource(nameof(Pack))]
    public void Minimum_answered_is_at_least_80_percent_except_INSPIRE_support(string code)
    {
        var scales = Get(code).Scales.Where(s => !(code == "INSPIRE" && s.Code == "support"));
        Assert.That(scales, Has.All.Matches<ScaleDefinition>(s => s.MinAnswered == (int)Math.Ceiling(0.8 * s.Items.Count)));
    }
}
