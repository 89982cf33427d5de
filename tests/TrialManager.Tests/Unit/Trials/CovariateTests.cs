using System.Text.Json;
using TrialManager.Api.Features.Trials;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data.Trials;

namespace TrialManager.Tests.Unit.Trials;

public sealed class CovariateTests
{
    private static Dictionary<string, JsonElement> Input(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Test]
    public void Numbers_are_numeric_and_strings_are_categories()
    {
        var covariates = CovariateRules.Parse(Input("""{"teamType": "support", "caseload": 250.5}"""));
        Assert.Multiple(() =>
        {
            Assert.That(covariates.Values["caseload"].Number, Is.EqualTo(250.5));
            Assert.That(covariates.Values["teamType"].Category, Is.EqualTo("support"));
        });
    }

    [Test]
    public void The_json_form_is_canonical_whatever_the_input_order()
    {
        var a = CovariateRules.Parse(Input("""{"b": "x", "a": 1}"""));
        var b = CovariateRules.Parse(Input("""{"a": 1.0, "b": "x"}"""));
        Assert.That(a.ToJson(), Is.EqualTo("""{"a":1,"b":"x"}"""));
        Assert.That(b, Is.EqualTo(a));
        Assert.That(Covariates.FromJson(a.ToJson()), Is.EqualTo(a));
    }

    [Test]
    public void Every_bad_covariate_is_reported_at_once()
    {
        var problem = Assert.Throws<ProblemException>(() => CovariateRules.Parse(Input("""{"site": "A", "ok": true, "_x": 1, "empty": ""}""")))!;
        Assert.That(problem.Violations.Select(v => $"{v.Field}/{v.Rule}"),
            Is.EquivalentTo(new[] { "covariates.site/reserved", "covariates.ok/type", "covariates._x/name", "covariates.empty/type" }));
    }

    [Test]
    public void A_name_keeps_its_type_across_clusters()
    {
        var existing = new[] { CovariateRules.Parse(Input("""{"caseload": 10, "teamType": "a"}""")) };
        Assert.DoesNotThrow(() => CovariateRules.EnsureConsistent(CovariateRules.Parse(Input("""{"caseload": 3, "beds": 2}""")), existing));
        var problem = Assert.Throws<ProblemException>(() =>
            CovariateRules.EnsureConsistent(CovariateRules.Parse(Input("""{"caseload": "many"}""")), existing))!;
        Assert.That(problem.Violations.Single().Field, Is.EqualTo("covariates.caseload"));
    }
}
