using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Features.Randomisation.Methods;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Api.Infrastructure.Mediation;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// Sealing fixes the scheme: a 256-bit seed from the operating system's CSPRNG, from which every later random
/// decision derives, and, for stratified blocks, each known stratum's sequence. The canonical text of all of it is
/// stored sealed; its SHA-256 is the commitment published now. `reveal` gives the text back after the trial is
/// locked, so that anyone can check the commitment and replay every allocation.
/// </summary>
public static class SealScheme
{
    public sealed record Body(string? Reason);

    public sealed record Command(Guid TrialId, string? Reason) : ICommand<SealView>, ITrialRequest, IHasReason
    {
        public static TrialPermission Permission => TrialPermission.DefineScheme;
    }

    public sealed record SealView(string Commitment, DateTimeOffset SealedAt);

    public sealed class Handler(TrialManagerDbContext db, RandomNumberGenerator random, CurrentUser user, TimeProvider clock)
        : ICommandHandler<Command, SealView>
    {
        public async ValueTask<SealView> Handle(Command command, CancellationToken ct)
        {
            var scheme = await db.RandomisationSchemes.SingleOrDefaultAsync(s => s.TrialId == command.TrialId, ct)
                ?? throw ProblemException.Conflict("There is no randomisation scheme to seal; define one first.");
            if (scheme.IsSealed)
                throw ProblemException.Conflict("The randomisation scheme is already sealed.");
            var trial = await db.Trials.AsNoTracking().Include(t => t.Arms).SingleAsync(t => t.Id == command.TrialId, ct);
            var arms = trial.Arms.OrderBy(a => a.Position).Select(a => new ArmRatio(a.Code, a.Ratio)).ToList();
            var definition = SchemeDefinition.FromJson(scheme.Settings);

            var seed = new byte[SealedRandom.SeedBytes];
            random.GetBytes(seed);
            var sequences = definition.Method == SchemeDefinition.StratifiedBlock
                ? await KnownStrataSequencesAsync(command.TrialId, definition, arms, new SealedRandom(seed), ct)
                : [];
            var canonical = Canonical(trial.Id, trial.Code, arms, scheme.Settings, seed, sequences);
            var now = clock.GetUtcNow();
            scheme.Seed = seed;
            scheme.Canonical = canonical;
            scheme.Commitment = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
            var sealedRandom = new SealedRandom(seed);
            scheme.MaskedArms = ArmMasks.ToJson(ArmMasks.Draw(arms.Select(a => a.Code).ToList(), codes => sealedRandom.Shuffle(ArmMasks.DrawLabel, codes)));
            scheme.SealedAt = now;
            scheme.SealedBy = user.Id;
            return new SealView(scheme.Commitment, now);
        }

        /// <summary>
        /// The sequences of the strata the trial's clusters form now, each long enough for twice its clusters (and at
        /// least two of the largest blocks). A stratum that appears later, or a longer sequence, follows from the seed.
        /// </summary>
        private async Task<SortedDictionary<string, IReadOnlyList<string>>> KnownStrataSequencesAsync(Guid trialId, SchemeDefinition definition,
            IReadOnlyList<ArmRatio> arms, SealedRandom seeded, CancellationToken ct)
        {
            var clusters = await db.Clusters.AsNoTracking().Include(c => c.Site).Where(c => c.TrialId == trialId).ToListAsync(ct);
            var strata = clusters.Select(c => Strata.KeyOf(definition.Strata!, Strata.Levels(c, c.Site!.Code))).OfType<string>()
                .GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
            var longest = definition.BlockSizes!.Max();
            var sequences = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (stratum, count) in strata)
                sequences[stratum] = BlockSequence.Generate(arms, definition.BlockSizes!, seeded, stratum, Math.Max(2 * count, 2 * longest));
            return sequences;
        }
    }

    /// <summary>The text the commitment hashes: format, trial, arms, the scheme's settings, the seed and the sequences.</summary>
    public static string Canonical(Guid trialId, string trialCode, IReadOnlyList<ArmRatio> arms, string settings, byte[] seed,
        IReadOnlyDictionary<string, IReadOnlyList<string>> sequences)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", "tm-randomisation-v1");
            json.WriteString("trialId", trialId);
            json.WriteString("trialCode", trialCode);
            json.WriteStartArray("arms");
            foreach (var arm in arms)
            {
                json.WriteStartObject();
                json.WriteString("code", arm.Code);
                json.WriteNumber("ratio", arm.Ratio);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WritePropertyName("scheme");
            json.WriteRawValue(settings);
            json.WriteString("seed", Convert.ToHexStringLower(seed));
            json.WriteStartObject("sequence");
            foreach (var (stratum, sequence) in sequences)
            {
                json.WriteStartArray(stratum);
                foreach (var arm in sequence)
                    json.WriteStringValue(arm);
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/randomisation/scheme/seal", async (Guid trialId, [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] Body? body,
                IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new Command(trialId, body?.Reason), ct)))
            .WithName("SealScheme")
            .WithSummary("Seal the scheme: returns the SHA-256 commitment over its canonical text, seed and sequences (trial manager)")
            .TrialWrite();
}
