using System.Text.Json;
using TrialManager.Api.Features.Outcomes;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Tests.Unit.Outcomes;

public sealed class ScoringTests
{
    private static InstrumentDefinition Get(string code) => InstrumentLibrary.Find(code) ?? throw new AssertionException($"{code} is not in the library");

    private static Dictionary<string, JsonElement> Answers(IEnumerable<(string Code, object? Value)> pairs) =>
        pairs.ToDictionary(p => p.Code, p => JsonSerializer.SerializeToElement(p.Value));

    private static Dictionary<string, JsonElement> Answers(params (string Code, object? Value)[] pairs) => Answers(pairs.AsEnumerable());

    /// <summary>Items prefix1..prefixN answered with the given values, in order.</summary>
    private static IEnumerable<(string, object?)> Run(string prefix, params object?[] values) =>
        values.Select((v, i) => ($"{prefix}{i + 1}", v));

    private static IEnumerable<(string, object?)> All(string prefix, int count, object? value) =>
        Enumerable.Range(1, count).Select(i => ($"{prefix}{i}", value));

    private static IReadOnlyDictionary<string, double?> Score(string code, IEnumerable<(string, object?)> answers) =>
        InstrumentRules.Score(Get(code), Answers(answers));

    private static readonly IReadOnlyList<MissingCode> Missing = [new(-99, "Refused"), new(-98, "Not applicable"), new(-97, "Not asked")];

    // One item of every type, plus sum scales with and without prorating.
    private static readonly InstrumentDefinition EveryType = new("TEST", "Every item type", "unit test",
        [
            new ItemDefinition("n1", "Integer 1", "integer", 0, 10, null, true),
            new ItemDefinition("n2", "Integer 2", "integer", 0, 10, null, true),
            new ItemDefinition("n3", "Integer 3", "integer", 0, 10, null, false),
            new ItemDefinition("x", "Decimal", "decimal", 0, 1, null, false),
            new ItemDefinition("c", "Choice", "choice", null, null, [new ChoiceOption("a", "A"), new ChoiceOption("1", "One")], false),
            new ItemDefinition("t", "Text", "text", null, null, null, false),
            new ItemDefinition("when", "Date", "date", null, null, null, true),
        ],
        [
            new ScaleDefinition("plain", "Sum, not prorated", ["n1", "n2", "n3"], "sum", [], 2, false, null),
            new ScaleDefinition("prorated", "Sum, prorated", ["n1", "n2", "n3"], "sum", [], 2, true, null),
        ],
        Missing);

    private static string[] Broken(IEnumerable<Violation> violations) => violations.Select(v => $"{v.Field}/{v.Rule}").ToArray();

    // ---- QPR and QPR-15

    [TestCase(2, 44, 34, 10)]
    [TestCase(0, 0, 0, 0)]
    [TestCase(4, 88, 68, 20)]
    public void QPR_all_answers_the_same(int answer, double total, double intrapersonal, double interpersonal) =>
        Assert.That(Score("QPR", All("q", 22, answer)), Is.EquivalentTo(new Dictionary<string, double?>
        {
            ["total"] = total, ["intrapersonal"] = intrapersonal, ["interpersonal"] = interpersonal,
        }));

    [Test]
    public void QPR_mixed_answers_sum_by_subscale()
    {
        // items 1-17 = 3 (intrapersonal 51), items 18-22 = 1 (interpersonal 5)
        var scores = Score("QPR", All("q", 17, 3).Concat(Enumerable.Range(18, 5).Select(i => ($"q{i}", (object?)1))));
        Assert.That((scores["total"], scores["intrapersonal"], scores["interpersonal"]), Is.EqualTo(((double?)56, (double?)51, (double?)5)));
    }

    [Test]
    public void QPR_sum_with_one_item_missing_is_prorated()
    {
        // q22 unanswered: total 21 items x 2 = 42 -> 42 x 22 / 21 = 44; interpersonal 4 x 2 = 8 -> 8 x 5 / 4 = 10
        var scores = Score("QPR", All("q", 21, 2));
        Assert.That((scores["total"], scores["intrapersonal"], scores["interpersonal"]), Is.EqualTo(((double?)44, (double?)34, (double?)10)));
    }

    [Test]
    public void QPR_missing_code_counts_as_missing_not_as_a_value()
    {
        var refused = Score("QPR", All("q", 21, 2).Append(("q22", -99)));
        var absent = Score("QPR", All("q", 21, 2));
        Assert.Multiple(() =>
        {
            Assert.That(refused, Is.EquivalentTo(absent));
            Assert.That(refused["interpersonal"], Is.EqualTo(10), "not (8 - 99)");
        });
    }

    [Test]
    public void QPR_scale_with_too_few_answered_items_has_no_score()
    {
        // q1-q15, q20 and q21 answered, q22 not asked: total 17 of 22 (minimum 18), intrapersonal 15 of 17 (minimum 14), interpersonal 2 of 5 (minimum 4)
        var answers = All("q", 15, 2).Concat(new[] { ("q20", (object?)2), ("q21", 2), ("q22", -97) });
        var scores = Score("QPR", answers);
        Assert.Multiple(() =>
        {
            Assert.That(scores["interpersonal"], Is.Null);
            Assert.That(scores["intrapersonal"], Is.EqualTo(34));
            Assert.That(scores["total"], Is.Null);
        });
        Assert.That(Score("QPR", All("q", 18, 2))["total"], Is.EqualTo(44), "18 answered is enough");
    }

    [Test]
    public void QPR15_total_is_a_sum_from_0_to_60()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Score("QPR15", All("q", 15, 4))["total"], Is.EqualTo(60));
            Assert.That(Score("QPR15", Run("q", 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4))["total"], Is.EqualTo(30));
            Assert.That(Score("QPR15", All("q", 11, 4))["total"], Is.Null, "11 of 15 is fewer than 12");
        });
    }

    // ---- HHI

    [TestCase(4, 42)]
    [TestCase(1, 18)]
    [TestCase(3, 34)]
    public void HHI_reverse_scores_items_3_and_6(int answer, double total) =>
        Assert.That(Score("HHI", All("h", 12, answer))["total"], Is.EqualTo(total));

    [Test]
    public void HHI_worked_mixed_example()
    {
        // h3 = 1 scores 4 and h6 = 2 scores 3; the other ten sum to 4+3+2+4+3+3+4+2+1+3 = 29; total 36
        Assert.That(Score("HHI", Run("h", 4, 3, 1, 2, 4, 2, 3, 3, 4, 2, 1, 3))["total"], Is.EqualTo(36));
    }

    [Test]
    public void HHI_prorates_a_missing_item_and_needs_10_of_12()
    {
        // all 3s, h12 refused: nine 3s and two reversed 2s = 31 over 11 items -> 31 x 12 / 11
        var oneMissing = Score("HHI", All("h", 11, 3).Append(("h12", -99)))["total"];
        var threeMissing = Score("HHI", All("h", 9, 3))["total"];
        Assert.Multiple(() =>
        {
            Assert.That(oneMissing, Is.EqualTo(31.0 * 12 / 11).Within(1e-6));
            Assert.That(threeMissing, Is.Null);
        });
    }

    // ---- MANSA

    [Test]
    public void MANSA_mean_ignores_the_objective_items()
    {
        var satisfaction = Run("s", 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3).ToList(); // 53 / 12
        var yes = Score("MANSA", satisfaction.Concat(All("o", 4, "yes")))["mean"];
        var no = Score("MANSA", satisfaction.Concat(All("o", 4, "no")))["mean"];
        var none = Score("MANSA", satisfaction)["mean"];
        Assert.Multiple(() =>
        {
            Assert.That(yes, Is.EqualTo(53.0 / 12).Within(1e-6));
            Assert.That(no, Is.EqualTo(yes));
            Assert.That(none, Is.EqualTo(yes));
        });
    }

    [Test]
    public void MANSA_mean_skips_missing_codes_and_needs_10_of_12()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Score("MANSA", All("s", 11, 5).Append(("s12", -98)))["mean"], Is.EqualTo(5));
            Assert.That(Score("MANSA", All("s", 10, 6).Append(("s11", -99)).Append(("s12", -97)))["mean"], Is.EqualTo(6));
            Assert.That(Score("MANSA", All("s", 9, 7).Concat(All("o", 4, "yes")))["mean"], Is.Null);
        });
    }

    // ---- INSPIRE

    [Test]
    public void INSPIRE_maps_the_0_to_4_mean_to_0_to_100()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Score("INSPIRE", All("s", 20, 4).Concat(All("r", 7, 4))), Is.EquivalentTo(new Dictionary<string, double?> { ["support"] = 100, ["relationship"] = 100 }));
            Assert.That(Score("INSPIRE", All("s", 20, 0).Concat(All("r", 7, 0))), Is.EquivalentTo(new Dictionary<string, double?> { ["support"] = 0, ["relationship"] = 0 }));
            // relationship 4+4+3+3+2+2+1 = 19 over 7 -> 19 / 7 x 25
            Assert.That(Score("INSPIRE", Run("r", 4, 4, 3, 3, 2, 2, 1))["relationship"], Is.EqualTo(19.0 / 7 * 25).Within(1e-6));
        });
    }

    [Test]
    public void INSPIRE_support_is_over_the_items_rated_important()
    {
        // half the support items "not important" (-98): the score is the mean of the other ten (3) x 25
        var answers = All("s", 10, 3).Concat(Enumerable.Range(11, 10).Select(i => ($"s{i}", (object?)-98)));
        Assert.Multiple(() =>
        {
            Assert.That(Score("INSPIRE", answers)["support"], Is.EqualTo(75));
            Assert.That(Score("INSPIRE", All("s", 20, -98))["support"], Is.Null, "nothing rated important: no score");
            Assert.That(Score("INSPIRE", Run("r", 4, 4, 4, 4, 4))["relationship"], Is.Null, "5 of 7 is fewer than 6");
        });
    }

    // ---- RKI

    [Test]
    public void RKI_scores_domain_and_total_means()
    {
        // domains as shipped: 1-7, 8-13, 14-17, 18-20
        var answers = Enumerable.Range(1, 20).Select(i => ($"k{i}", (object?)(i <= 7 ? 1 : i <= 13 ? 2 : i <= 17 ? 3 : 4)));
        Assert.That(Score("RKI", answers), Is.EquivalentTo(new Dictionary<string, double?>
        {
            ["rolesResponsibilities"] = 1, ["nonLinearity"] = 2, ["selfDefinitionPeers"] = 3, ["expectations"] = 4, ["total"] = 43.0 / 20,
        }));
    }

    [Test]
    public void RKI_small_domain_needs_every_item()
    {
        var scores = Score("RKI", All("k", 19, 5));
        Assert.Multiple(() =>
        {
            Assert.That(scores["expectations"], Is.Null);
            Assert.That(scores["total"], Is.EqualTo(5));
        });
    }

    [TestCase("QPR")]
    [TestCase("QPR15")]
    [TestCase("INSPIRE")]
    [TestCase("HHI")]
    [TestCase("MANSA")]
    [TestCase("RKI")]
    public void No_answers_give_no_scores(string code)
    {
        var scores = Score(code, []);
        Assert.That(scores.Keys, Is.EquivalentTo(Get(code).Scales.Select(s => s.Code)));
        Assert.That(scores.Values, Has.All.Null);
    }

    // ---- sums with and without prorating

    [Test]
    public void Sum_without_prorating_adds_the_answered_items_only()
    {
        var scores = InstrumentRules.Score(EveryType, Answers(("n1", 4), ("n2", 5), ("n3", -99)));
        Assert.Multiple(() =>
        {
            Assert.That(scores["plain"], Is.EqualTo(9));
            Assert.That(scores["prorated"], Is.EqualTo(13.5));
            Assert.That(InstrumentRules.Score(EveryType, Answers(("n1", 4)))["plain"], Is.Null, "1 answered, minimum 2");
        });
    }

    // ---- CheckAnswers

    [Test]
    public void Every_invalid_answer_is_reported_at_once()
    {
        var answers = Answers(
            ("n1", 11), ("n2", "x"), ("n3", 2.5), ("x", "half"), ("c", "b"), ("t", new string('a', InstrumentRules.MaxTextLength + 1)),
            ("when", "2011-02-30"), ("unknown", 1));
        Assert.That(Broken(InstrumentRules.CheckAnswers(EveryType, answers, complete: false)), Is.EquivalentTo(new[]
        {
            "answers.n1/range", "answers.n2/integer", "answers.n3/integer", "answers.x/number", "answers.c/option", "answers.t/text",
            "answers.when/date", "answers.unknown/known-item",
        }));
    }

    [TestCase("2011-06-10", true)]
    [TestCase("2011-02-29", false)]
    [TestCase("10/06/2011", false)]
    [TestCase("2011-6-10", false)]
    [TestCase(20110610, false)]
    public void Date_answers_are_yyyy_mm_dd(object value, bool valid) =>
        Assert.That(Broken(InstrumentRules.CheckAnswers(EveryType, Answers(("when", value)), complete: false)),
            valid ? Is.Empty : Is.EqualTo(new[] { "answers.when/date" }));

    [Test]
    public void Valid_answers_of_every_type_pass()
    {
        var answers = Answers(("n1", 0), ("n2", 10), ("n3", 5), ("x", 0.25), ("c", "a"), ("t", "free text"), ("when", "2011-06-10"));
        Assert.Multiple(() =>
        {
            Assert.That(InstrumentRules.CheckAnswers(EveryType, answers, complete: true), Is.Empty);
            Assert.That(InstrumentRules.CheckAnswers(EveryType, Answers(("c", 1)), complete: false), Is.Empty, "a numeric answer matches option '1'");
        });
    }

    [Test]
    public void QPR_invalid_items_are_all_named()
    {
        var answers = Answers(All("q", 22, 2));
        answers["q1"] = JsonSerializer.SerializeToElement(7);
        answers["q2"] = JsonSerializer.SerializeToElement("x");
        answers["q3"] = JsonSerializer.SerializeToElement(-1);
        answers["q23"] = JsonSerializer.SerializeToElement(2);
        Assert.That(Broken(InstrumentRules.CheckAnswers(Get("QPR"), answers, complete: true)),
            Is.EquivalentTo(new[] { "answers.q1/range", "answers.q2/integer", "answers.q3/range", "answers.q23/known-item" }));
    }

    [Test]
    public void MANSA_objective_items_take_only_their_options()
    {
        var answers = Answers(All("s", 12, 4).Concat(new[] { ("o1", (object?)"maybe"), ("o2", "yes"), ("o3", "Yes"), ("o4", -99) }));
        Assert.That(Broken(InstrumentRules.CheckAnswers(Get("MANSA"), answers, complete: true)), Is.EqualTo(new[] { "answers.o1/option", "answers.o3/option" }));
    }

    [Test]
    public void Required_items_are_missing_only_when_complete()
    {
        var partial = Answers(All("q", 10, 2));
        var missing = Enumerable.Range(11, 12).Select(i => $"answers.q{i}/required");
        Assert.Multiple(() =>
        {
            Assert.That(InstrumentRules.CheckAnswers(Get("QPR"), partial, complete: false), Is.Empty);
            Assert.That(Broken(InstrumentRules.CheckAnswers(Get("QPR"), partial, complete: true)), Is.EquivalentTo(missing));
            Assert.That(Broken(InstrumentRules.CheckAnswers(Get("QPR"), Answers(All("q", 21, 2).Append(("q22", null))), complete: true)),
                Is.EqualTo(new[] { "answers.q22/required" }), "null is no answer");
        });
    }

    [Test]
    public void Missing_codes_are_accepted_for_any_item_and_satisfy_required()
    {
        var codes = new object?[] { -99, -98, -97 };
        var qpr = Answers(Enumerable.Range(1, 22).Select(i => ($"q{i}", codes[i % 3])));
        var mansa = Answers(All("s", 12, -97).Concat(All("o", 4, -99)));
        Assert.Multiple(() =>
        {
            Assert.That(InstrumentRules.CheckAnswers(Get("QPR"), qpr, complete: true), Is.Empty);
            Assert.That(InstrumentRules.CheckAnswers(Get("MANSA"), mansa, complete: true), Is.Empty);
            Assert.That(InstrumentRules.CheckAnswers(EveryType, Answers(("n1", -99), ("n2", -98), ("when", -97), ("c", -99), ("x", -98)), complete: true), Is.Empty);
            Assert.That(Broken(InstrumentRules.CheckAnswers(Get("QPR"), Answers(("q1", -96)), complete: false)), Is.EqualTo(new[] { "answers.q1/range" }),
                "-96 is not a missing-data code");
            Assert.That(InstrumentRules.Score(Get("QPR"), qpr).Values, Has.All.Null, "missing codes are never values");
        });
    }
}
