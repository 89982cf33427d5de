using System.Net;
using System.Text.Json.Nodes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>
/// clusters.csv under every randomisation method: each cluster's covariates and site, the stratum of a stratified
/// design, and the dictionary saying what the randomisation did with each; a blinded extract differs from an unblinded
/// one in the arm codes alone.
/// </summary>
public sealed class ClusterDesignExportTests : IntegrationTest
{
    [TestCase("simple")]
    [TestCase("stratified-block")]
    [TestCase("minimisation")]
    [TestCase("constrained")]
    public async Task Clusters_carry_their_covariates_and_stratum_blinded_and_unblinded(string method)
    {
        var w = await NewTrialAsync();
        // A third team at SLAM without a team type, never randomised.
        var clusterC = await w.ClusterAsync(w.SiteA, new { caseload = 120.5 });
        object scheme = method switch
        {
            "simple" => new { method },
            "stratified-block" => new { method, strata = new[] { "site", "teamType" }, blockSizes = new[] { 2 } },
            "minimisation" => new { method, factors = new[] { new { name = "site", weight = 1 }, new { name = "teamType", weight = 2 } } },
            _ => new { method, covariates = new[] { new { name = "caseload", weight = 1 } }, cutoff = 1 },
        };
        await Expect(HttpStatusCode.OK, Api.Put($"{w.Path}/randomisation/scheme", scheme, w.Manager));
        await Expect(HttpStatusCode.OK, Api.Post($"{w.Path}/randomisation/scheme/seal", new { }, w.Manager));
        if (method == "constrained")
            await Expect(HttpStatusCode.Created, Api.Post($"{w.Path}/randomisation/allocations", new { clusterIds = new[] { w.ClusterA, w.ClusterB } }, w.Manager));
        else
            foreach (var cluster in new[] { w.ClusterA, w.ClusterB })
                await Expect(HttpStatusCode.Created, Api.Post($"{w.Path}/randomisation/allocations", new { clusterId = cluster }, w.Manager));
        var arms = (await Api.Get($"{w.Path}/randomisation/allocations", w.Manager))["items"].AsArray()
            .ToDictionary(a => a!["clusterId"]!.GetValue<Guid>(), a => a!["arm"]!.GetValue<string>());
        var masks = JsonNode.Parse((await Db.ScalarAsync<string>("SELECT masked_arms FROM randomisation_schemes WHERE trial_id = $1", w.TrialId))!)!
            .AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        async Task<string> Code(Guid cluster) => (await Api.Get($"{w.Path}/clusters/{cluster}", w.Manager))["code"].GetValue<string>();
        var (codeA, codeB, codeC) = (await Code(w.ClusterA), await Code(w.ClusterB), await Code(clusterC));

        var stratified = method == "stratified-block";
        string Clusters(Func<string, string> arm) =>
            $"cluster,site,arm{(stratified ? ",stratum" : "")},caseload,team_type\n" +
            $"{codeB},GLOS,{arm(arms[w.ClusterB])},{(stratified ? "site=GLOS|teamType=assertive," : "")}180,assertive\n" +
            $"{codeA},SLAM,{arm(arms[w.ClusterA])},{(stratified ? "site=SLAM|teamType=support," : "")}250,support\n" +
            $"{codeC},SLAM,,{(stratified ? "," : "")}120.5,\n";
        var (siteUse, teamTypeUse, caseloadUse) = method switch
        {
            "stratified-block" => (" (stratification factor)", ", stratification factor", ""),
            "minimisation" => (" (minimisation factor, weight 1)", ", minimisation factor, weight 2", ""),
            "constrained" => ("", "", ", balanced by the constrained randomisation, weight 1"),
            _ => ("", "", ""),
        };

        var blinded = await ExtractAsync(w, w.Statistician);
        var unblinded = await ExtractAsync(w, w.UnblindedStatistician);
        Assert.Multiple(() =>
        {
            Assert.That(unblinded["clusters.csv"], Is.EqualTo(Clusters(arm => arm)));
            Assert.That(blinded["clusters.csv"], Is.EqualTo(Clusters(arm => masks[arm])), "a blinded extract differs in the arm codes alone");
            foreach (var word in new[] { ArmZulu, ArmYankee, "Pro-recovery team", "Usual care" })
                Assert.That(string.Concat(blinded.Values), Does.Not.Contain(word).IgnoreCase);
            foreach (var files in new[] { blinded, unblinded })
            {
                var dictionary = DictionaryRow.Read(files["data_dictionary.csv"]).Where(r => r.File == "clusters.csv").ToDictionary(r => r.Variable);
                Assert.That(dictionary.Keys, Is.EqualTo(files["clusters.csv"].Split('\n')[0].Split(',')), "the dictionary lists every column");
                Assert.That(dictionary["site"].Label, Is.EqualTo($"Site{siteUse}"));
                Assert.That(dictionary["site"].Allowed, Is.EqualTo("GLOS; SLAM"));
                Assert.That(dictionary["caseload"], Is.EqualTo(new DictionaryRow("clusters.csv", "caseload", $"caseload: cluster covariate{caseloadUse}",
                    "decimal", "", "empty: not recorded for the cluster", "")));
                Assert.That(dictionary["team_type"], Is.EqualTo(new DictionaryRow("clusters.csv", "team_type", $"teamType: cluster covariate{teamTypeUse}",
                    "categorical", "assertive; support", "empty: not recorded for the cluster", "")));
                if (stratified)
                    Assert.That(dictionary["stratum"], Is.EqualTo(new DictionaryRow("clusters.csv", "stratum",
                        "Stratum the cluster was randomised in (by site, teamType)", "categorical",
                        "site=GLOS|teamType=assertive; site=SLAM|teamType=support", "empty: not yet randomised", "")));
            }
        });
    }

    private async Task<Dictionary<string, string>> ExtractAsync(TrialWorld w, string token)
    {
        var status = await ExportWorld.ExportAsync(Api, w, token, new { format = "csv", blinded = false });
        Assert.That(status["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), status.ToJsonString());
        return ExportWorld.Entries((await ExportWorld.FileAsync(Api, status["id"]!.GetValue<Guid>(), token)).Bytes);
    }
}
