using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Api.Features.Outcomes;

// The shipped measures are data (embedded JSON) so that correcting an unconfirmed published fact is a reviewed data edit and a new version, not a code change.
public static class InstrumentLibrary
{
    private const string Folder = ".Features.Outcomes.Library.";

    private static readonly Lazy<IReadOnlyList<InstrumentDefinition>> Definitions = new(Load);

    public static IReadOnlyList<InstrumentDefinition> All => Definitions.Value;

    public static InstrumentDefinition? Find(string code) => All.FirstOrDefault(d => d.Code == code);

    private static IReadOnlyList<InstrumentDefinition> Load()
    {
        var assembly = typeof(InstrumentLibrary).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.Contains(Folder, StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal))
            .Select(name =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                return InstrumentDefinition.FromJson(reader.ReadToEnd());
            })
            .OrderBy(d => d.Code, StringComparer.Ordinal)
            .ToList();
    }
}
