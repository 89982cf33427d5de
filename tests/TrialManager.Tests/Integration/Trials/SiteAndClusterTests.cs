using System.Net;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Trials;

public sealed class SiteAndClusterTests : IntegrationTest
{
    [Test]
    public async Task Site_codes_are_unique_within_a_trial_but_not_across_trials()
    {
        var world = await NewTrialAsync("ONE");
        var duplicate = await Api.Post($"{world.Path}/sites", new { code = "SLAM", name = "again" }, world.Manager);
        Assert.That(duplicate.Code, Is.EqualTo(409));
        var other = await NewTrialAsync("TWO");
        Assert.That(other.SiteA, Is.Not.EqualTo(world.SiteA), "the same site code in another trial is another site");
    }

    [Test]
    public async Task A_site_can_be_renamed_and_read()
    {
        var world = await NewTrialAsync();
        await Expect(HttpStatusCode.OK, Api.Patch($"{world.Path}/sites/{world.SiteA}", new { name = "South London" }, world.Manager));
        var site = await Api.Get($"{world.Path}/sites/{world.SiteA}", world.ResearcherB);
        Assert.That(site["name"].GetValue<string>(), Is.EqualTo("South London"));
        Assert.That((await Api.Get($"{world.Path}/sites/{Guid.NewGuid()}", world.Manager)).Code, Is.EqualTo(404));
    }

    [Test]
    public async Task Covariates_keep_their_types()
    {
        var world = await NewTrialAsync();
        var cluster = await Api.Get($"{world.Path}/clusters/{world.ClusterA}", world.Manager);
        Assert.Multiple(() =>
        {
            Assert.That(cluster["covariates"]["caseload"]!.GetValue<double>(), Is.EqualTo(250));
            Assert.That(cluster["covariates"]["teamType"]!.GetValue<string>(), Is.EqualTo("support"));
        });
    }

    [Test]
    public async Task A_covariate_keeps_one_type_across_the_trials_clusters()
    {
        var world = await NewTrialAsync();
        var response = await Api.Post($"{world.Path}/clusters",
            new { code = "T99", siteId = world.SiteA, covariates = new { caseload = "high", teamType = 3 } }, world.Manager);
        Assert.That(response.Code, Is.EqualTo(422));
        Assert.That(response["violations"].AsArray().Select(v => $"{v!["field"]}/{v["rule"]}"),
            Is.EquivalentTo(new[] { "covariates.caseload/consistent-type", "covariates.teamType/consistent-type" }));
    }

    [Test]
    public async Task Covariates_must_be_numbers_or_categories_and_site_is_reserved()
    {
        var world = await NewTrialAsync();
        var response = await Api.Post($"{world.Path}/clusters",
            new { code = "T99", siteId = world.SiteA, covariates = new Dictionary<string, object?> { ["site"] = "x", ["flag"] = true, ["9bad"] = 1, ["none"] = null } },
            world.Manager);
        Assert.That(response.Code, Is.EqualTo(422));
        Assert.That(response["violations"].AsArray().Select(v => $"{v!["field"]}/{v["rule"]}"),
            Is.EquivalentTo(new[] { "covariates.site/reserved", "covariates.flag/type", "covariates.9bad/name", "covariates.none/type" }));
    }

    [Test]
    public async Task A_cluster_belongs_to_a_site_of_its_own_trial()
    {
        var world = await NewTrialAsync("ONE");
        var other = await NewTrialAsync("TWO");
        var response = await Api.Post($"{world.Path}/clusters", new { code = "T99", siteId = other.SiteA }, world.Manager);
        Assert.That(response.Code, Is.EqualTo(422));
        Assert.That(response["errors"]["siteId"], Is.Not.Null);
    }

    [Test]
    public async Task Cluster_codes_are_unique_within_a_trial()
    {
        var world = await NewTrialAsync();
        await Expect(HttpStatusCode.Created, Api.Post($"{world.Path}/clusters", new { code = "TEAM1", siteId = world.SiteA }, world.Manager));
        var duplicate = await Api.Post($"{world.Path}/clusters", new { code = "TEAM1", siteId = world.SiteB }, world.Manager);
        Assert.That(duplicate.Code, Is.EqualTo(409));
    }

    [Test]
    public async Task Clusters_are_listed_by_site_and_a_researcher_sees_only_their_sites()
    {
        var world = await NewTrialAsync();
        var atB = await Api.Get($"{world.Path}/clusters?siteId={world.SiteB}", world.Manager);
        Assert.That(atB["items"].AsArray().Select(c => c!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { world.ClusterB }));
        var researcher = await Api.Get($"{world.Path}/clusters", world.ResearcherA);
        Assert.That(researcher["items"].AsArray().Select(c => c!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { world.ClusterA }));
    }

    [Test]
    public async Task A_cluster_update_replaces_its_covariates_and_can_move_it_to_another_site()
    {
        var world = await NewTrialAsync();
        var updated = await Api.Patch($"{world.Path}/clusters/{world.ClusterA}",
            new { siteId = world.SiteB, covariates = new { caseload = 300 } }, world.Manager);
        Assert.That(updated.Code, Is.EqualTo(200), updated.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(updated["siteId"].GetValue<Guid>(), Is.EqualTo(world.SiteB));
            Assert.That(updated["covariates"].AsObject().Select(p => p.Key), Is.EqualTo(new[] { "caseload" }));
        });
    }
}
