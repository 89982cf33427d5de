using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.NUnit;
using static ArchUnitNET.Fluent.Slices.SliceRuleDefinition;

namespace TrialManager.Tests.Unit.Architecture;

/// <summary>
/// Feature folders depend on each other in one direction only (Access and Blinding at the bottom, the slices that
/// ask them above), read from the compiled code, method bodies included: a new cycle fails here.
/// </summary>
public sealed class FeatureCycleTests
{
    private static readonly ArchUnitNET.Domain.Architecture Api = new ArchLoader().LoadAssemblies(typeof(Program).Assembly).Build();

    [Test]
    public void Feature_namespaces_have_no_dependency_cycles() =>
        Slices().Matching("TrialManager.Api.Features.(*)").Should().BeFreeOfCycles().Check(Api);
}
