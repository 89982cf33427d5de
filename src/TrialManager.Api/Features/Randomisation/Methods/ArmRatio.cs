namespace TrialManager.Api.Features.Randomisation.Methods;

/// <summary>A trial's arm and its share of the allocation ratio, in the trial's arm order.</summary>
public sealed record ArmRatio(string Code, int Ratio);

public static class SimpleRandomisation
{
    /// <summary>One independent draw at the ratio (e.g. 2:1 gives the first arm with probability 2/3).</summary>
    public static string Draw(IReadOnlyList<ArmRatio> arms, SealedRandom random, int draw)
    {
        var ticket = random.Next($"simple/{draw}", arms.Sum(a => a.Ratio));
        foreach (var arm in arms)
        {
            if (ticket < arm.Ratio)
                return arm.Code;
            ticket -= arm.Ratio;
        }
        throw new InvalidOperationException("unreachable: the ticket is below the ratio total");
    }
}
