using TrialManager.Data.Outcomes;
using TrialManager.Data.Randomisation;

namespace TrialManager.Api.Features.Blinding;

/// <summary>
/// The stored values that reveal an allocation, in one list. The audit trail seals them (they enter its hash chain
/// only as salted commitments) and shows them only to readers who see every arm; a field added here is sealed
/// everywhere the trail shows it.
/// </summary>
public static class RevealingFields
{
    /// <summary>Entity types all of whose values reveal allocations: the unblinding details (whom, for whom, why).</summary>
    private static readonly HashSet<Type> Types = [typeof(Unblinding)];

    /// <summary>Single fields; the allocation's cluster, draw, stratum, position and time stay visible.</summary>
    private static readonly HashSet<(Type, string)> Fields =
    [
        (typeof(Allocation), nameof(Allocation.Arm)),
        (typeof(Allocation), nameof(Allocation.Evidence)),
        // Which masked code of the blinded extracts stands for which arm.
        (typeof(RandomisationScheme), nameof(RandomisationScheme.MaskedArms)),
        // A guess names an arm; shown to blinded readers it would read as one.
        (typeof(BlindingGuess), nameof(BlindingGuess.Guess)),
        // How an assessor learned an arm may well name it.
        (typeof(BlindingBreach), nameof(BlindingBreach.Description)),
    ];

    public static bool Reveals(Type entity, string property) => Types.Contains(entity) || Fields.Contains((entity, property));
}
