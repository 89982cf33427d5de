using TrialManager.Api.Features.Access;
using TrialManager.Data.Access;
using TrialManager.Data.Trials;

namespace TrialManager.Tests.Unit.Access;

public sealed class TrialPolicyTests
{
    private static readonly TrialPermission[] DataWrites =
        [TrialPermission.ManageTrial, TrialPermission.ConfigureSites, TrialPermission.ConfigureClusters, TrialPermission.EnrolParticipants, TrialPermission.UpdateParticipants];

    [Test]
    public void A_non_member_learns_nothing_about_the_trial([Values] TrialPermission permission) =>
        Assert.That(TrialPolicy.Decide(permission, isSystemAdmin: false, role: null, TrialStatus.Recruiting), Is.EqualTo(TrialAccess.Hidden));

    [Test]
    public void Only_the_trial_manager_and_researchers_enter_participant_data([Values] TrialRole role)
    {
        var expected = role is TrialRole.TrialManager or TrialRole.Researcher ? TrialAccess.Allowed : TrialAccess.Forbidden;
        Assert.That(TrialPolicy.Decide(TrialPermission.EnrolParticipants, false, role, TrialStatus.Recruiting), Is.EqualTo(expected));
        Assert.That(TrialPolicy.Decide(TrialPermission.UpdateParticipants, false, role, TrialStatus.Recruiting), Is.EqualTo(expected));
    }

    [Test]
    public void Only_the_trial_manager_configures_the_trial([Values] TrialRole role)
    {
        var expected = role is TrialRole.TrialManager ? TrialAccess.Allowed : TrialAccess.Forbidden;
        foreach (var permission in new[] { TrialPermission.ManageTrial, TrialPermission.ConfigureSites, TrialPermission.ConfigureClusters })
            Assert.That(TrialPolicy.Decide(permission, false, role, TrialStatus.Setup), Is.EqualTo(expected), permission.ToString());
    }

    [Test]
    public void Every_role_reads_the_trial_its_clusters_and_participants([Values] TrialRole role)
    {
        foreach (var permission in new[] { TrialPermission.ReadTrial, TrialPermission.ReadSites, TrialPermission.ReadClusters, TrialPermission.ReadParticipants })
            Assert.That(TrialPolicy.Decide(permission, false, role, TrialStatus.Locked), Is.EqualTo(TrialAccess.Allowed), permission.ToString());
    }

    [Test]
    public void A_system_admin_without_a_role_sets_up_but_sees_no_trial_data()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TrialPolicy.Decide(TrialPermission.ManageMembers, true, null, TrialStatus.Setup), Is.EqualTo(TrialAccess.Allowed));
            Assert.That(TrialPolicy.Decide(TrialPermission.ReadTrial, true, null, TrialStatus.Setup), Is.EqualTo(TrialAccess.Allowed));
            Assert.That(TrialPolicy.Decide(TrialPermission.ReadSites, true, null, TrialStatus.Setup), Is.EqualTo(TrialAccess.Allowed));
            Assert.That(TrialPolicy.Decide(TrialPermission.ReadParticipants, true, null, TrialStatus.Setup), Is.EqualTo(TrialAccess.Forbidden));
            Assert.That(TrialPolicy.Decide(TrialPermission.ReadClusters, true, null, TrialStatus.Setup), Is.EqualTo(TrialAccess.Forbidden));
            Assert.That(TrialPolicy.Decide(TrialPermission.EnrolParticipants, true, null, TrialStatus.Setup), Is.EqualTo(TrialAccess.Forbidden));
        });
    }

    [Test]
    public void A_system_admin_who_is_also_a_member_gets_the_roles_rights()
    {
        Assert.That(TrialPolicy.Decide(TrialPermission.ReadParticipants, true, TrialRole.Monitor, TrialStatus.Setup), Is.EqualTo(TrialAccess.Allowed));
        Assert.That(TrialPolicy.Decide(TrialPermission.ManageMembers, true, TrialRole.Monitor, TrialStatus.Setup), Is.EqualTo(TrialAccess.Allowed));
    }

    [Test]
    public void A_locked_trial_refuses_data_writes_but_not_reads_or_grants()
    {
        foreach (var permission in DataWrites)
            Assert.That(TrialPolicy.Decide(permission, false, TrialRole.TrialManager, TrialStatus.Locked), Is.EqualTo(TrialAccess.Locked), permission.ToString());
        Assert.That(TrialPolicy.Decide(TrialPermission.ManageMembers, true, null, TrialStatus.Locked), Is.EqualTo(TrialAccess.Allowed));
    }

    [Test]
    public void A_forbidden_caller_is_told_so_before_being_told_the_trial_is_locked() =>
        Assert.That(TrialPolicy.Decide(TrialPermission.EnrolParticipants, false, TrialRole.Monitor, TrialStatus.Locked), Is.EqualTo(TrialAccess.Forbidden));

    [Test]
    public void Only_researchers_are_scoped_to_sites([Values] TrialRole role) =>
        Assert.That(TrialPolicy.IsSiteScoped(role), Is.EqualTo(role == TrialRole.Researcher));
}
