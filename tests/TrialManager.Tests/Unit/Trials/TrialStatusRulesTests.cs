using TrialManager.Api.Features.Trials;
using TrialManager.Data.Trials;

namespace TrialManager.Tests.Unit.Trials;

public sealed class TrialStatusRulesTests
{
    [Test]
    public void Status_moves_exactly_one_step_forward([Values] TrialStatus from, [Values] TrialStatus to) =>
        Assert.That(TrialStatusRules.CanMove(from, to), Is.EqualTo((int)to == (int)from + 1));

    [Test]
    public void Arms_are_editable_only_in_setup([Values] TrialStatus status) =>
        Assert.That(TrialStatusRules.ArmsEditable(status), Is.EqualTo(status == TrialStatus.Setup));
}
