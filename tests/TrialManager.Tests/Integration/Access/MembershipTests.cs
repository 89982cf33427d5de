using System.Net;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Access;

public sealed class MembershipTests : IntegrationTest
{
    [Test]
    public async Task A_grant_replaces_the_previous_role()
    {
        var world = await NewTrialAsync();
        var (id, token) = await NewUserAsync(Api, "user");
        await Expect(HttpStatusCode.Created, Api.Put($"{world.Path}/members/{id}", new { role = "monitor" }, Admin));
        var again = await Expect(HttpStatusCode.OK, Api.Put($"{world.Path}/members/{id}", new { role = "researcher", siteIds = new[] { world.SiteB } }, Admin));
        Assert.That(again["role"].GetValue<string>(), Is.EqualTo("researcher"));
        var list = await Api.Get($"{world.Path}/participants", token);
        Assert.That(list["items"].AsArray().Select(p => p!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { world.ParticipantB }));
    }

    [Test]
    public async Task A_researcher_grant_names_sites_of_the_trial_and_other_roles_name_none()
    {
        var world = await NewTrialAsync("ONE");
        var other = await NewTrialAsync("TWO");
        var (id, _) = await NewUserAsync(Api, "user");
        var noSites = await Api.Put($"{world.Path}/members/{id}", new { role = "researcher" }, Admin);
        var foreignSite = await Api.Put($"{world.Path}/members/{id}", new { role = "researcher", siteIds = new[] { other.SiteA } }, Admin);
        var monitorWithSites = await Api.Put($"{world.Path}/members/{id}", new { role = "monitor", siteIds = new[] { world.SiteA } }, Admin);
        var unknownRole = await Api.Put($"{world.Path}/members/{id}", new { role = "owner" }, Admin);
        Assert.Multiple(() =>
        {
            Assert.That(noSites.Code, Is.EqualTo(422));
            Assert.That(foreignSite.Code, Is.EqualTo(422));
            Assert.That(monitorWithSites.Code, Is.EqualTo(422));
            Assert.That(unknownRole.Code, Is.EqualTo(400));
        });
    }

    [Test]
    public async Task A_removed_member_no_longer_sees_the_trial()
    {
        var world = await NewTrialAsync();
        var (id, token) = await world.MemberAsync("monitor");
        Assert.That((await Api.Get(world.Path, token)).Code, Is.EqualTo(200));
        await Expect(HttpStatusCode.NoContent, Api.Delete($"{world.Path}/members/{id}", Admin));
        Assert.That((await Api.Get(world.Path, token)).Code, Is.EqualTo(404));
    }

    [Test]
    public async Task A_non_member_cannot_tell_a_trial_exists()
    {
        var world = await NewTrialAsync();
        var existing = await Api.Get(world.Path, world.Outsider);
        var missing = await Api.Get($"/trials/{Guid.NewGuid()}", world.Outsider);
        Assert.That(existing.Code, Is.EqualTo(404));
        Assert.That(existing["detail"].GetValue<string>(), Is.EqualTo(missing["detail"].GetValue<string>()));
    }

    [Test]
    public async Task Roles_can_be_granted_after_lock_for_audit()
    {
        var world = await NewTrialAsync();
        await world.AdvanceToAsync("locked");
        var (_, token) = await world.MemberAsync("monitor");
        Assert.That((await Api.Get($"{world.Path}/participants", token)).Code, Is.EqualTo(200));
    }
}
