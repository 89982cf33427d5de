using System.Text.Json;
using TrialManager.Api.Features.Randomisation.Methods;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// The masked codes that stand for the arms in blinded extracts: `A`, `B`, ... given to the arms in a random order
/// drawn once when the scheme is sealed (from the sealed seed, under a label of its own), so that every blinded
/// extract of a trial uses the same codes and the first arm is `A` only by chance.
/// </summary>
public static class ArmMasks
{
    private const string Label = "masked-arms";

    public static IReadOnlyDictionary<string, string> Draw(SealedRandom random, IReadOnlyList<string> armCodes)
    {
        var codes = Enumerable.Range(0, armCodes.Count).Select(Code).ToArray();
        var shuffled = random.Shuffle(Label, codes);
        return armCodes.Select((arm, i) => (arm, mask: shuffled[i])).ToDictionary(p => p.arm, p => p.mask);
    }

    public static string ToJson(IReadOnlyDictionary<string, string> masks) => JsonSerializer.Serialize(masks);

    public static IReadOnlyDictionary<string, string> FromJson(string? json) =>
        json is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;

    /// <summary>A, B, ..., Z, AA, AB, ...</summary>
    private static string Code(int index) => index < 26 ? ((char)('A' + index)).ToString() : Code(index / 26 - 1) + Code(index % 26);
}
