using System.Net;
using System.Text.Json.Nodes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>
/// A small REFOCUS: six teams at two sites with a caseload and a team type, randomised in blocks within sites; every
/// instrument of the library pack at baseline and one year (QPR, QPR15, INSPIRE, HHI and MANSA for patients, RKI for
/// staff); two patients and one member of staff per team, plus the world's two patients, who have no assessments.
/// Answers are drawn from a fixed seed, one in five a missing-data code, so that some scales have too few answers to
/// score. It keeps the scores the service answered with.
/// </summary>
public sealed record AnalysisWorld(
    TrialWorld World, IReadOnlyDictionary<Guid, string> ArmOfCluster, IReadOnlyDictionary<string, string> Masks,
    IReadOnlyList<AnalysisWorld.Scored> Scores, int CodedAnswers, int Participants, int WideRows, int LongRows)
{
    public const string Year = "One year";
    public static readonly string[] PatientInstruments = ["QPR", "QPR15", "INSPIRE", "HHI", "MANSA"];

    /// <summary>One saved assessment: whose, when, its instrument, and the scores the service computed.</summary>
    public sealed record Scored(string ExternalId, Guid ClusterId, string Timepoint, string Instrument, JsonObject Scores);

    public static async Task<AnalysisWorld> CreateAsync(ApiClient api, TrialWorld world)
    {
        var path = world.Path;
        var manager = world.Manager;
        foreach (var code in PatientInstruments.Append("RKI"))
            await Expect(HttpStatusCode.Created, api.Post($"{path}/instruments", new { fromLibrary = code }, manager));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/timepoints",
            new { code = "baseline", label = "Baseline", offsetDays = 0, windowDaysBefore = 0, windowDaysAfter = 30 }, manager));
        await Expect(HttpStatusCode.Created, api.Post($"{path}/timepoints",
            new { code = "12m", label = Year, offsetDays = 365, windowDaysBefore = 30, windowDaysAfter = 60 }, manager));
        await Expect(HttpStatusCode.OK, api.Put($"{path}/schedule", new
        {
            entries = new[] { "baseline", "12m" }.SelectMany(t => PatientInstruments
                .Select(i => new { timepointCode = t, instrumentCode = i, participantKind = "patient" })
                .Append(new { timepointCode = t, instrumentCode = "RKI", participantKind = "staff" })),
        }, manager));
        var definitions = new Dictionary<string, JsonNode>();
        foreach (var code in PatientInstruments.Append("RKI"))
            definitions[code] = (await api.Get($"{path}/instruments/{code}", manager)).Json!;

        var clusters = new List<(Guid Id, Guid Site, string Researcher)>
        {
            (world.ClusterA, world.SiteA, world.ResearcherA), (world.ClusterB, world.SiteB, world.ResearcherB),
            (await world.ClusterAsync(world.SiteA, new { caseload = 310, teamType = "assertive" }), world.SiteA, world.ResearcherA),
            (await world.ClusterAsync(world.SiteA, new { caseload = 145.5, teamType = "support" }), world.SiteA, world.ResearcherA),
            (await world.ClusterAsync(world.SiteB, new { caseload = 275, teamType = "support" }), world.SiteB, world.ResearcherB),
            (await world.ClusterAsync(world.SiteB, new { caseload = 198, teamType = "assertive" }), world.SiteB, world.ResearcherB),
        };
        await Expect(HttpStatusCode.OK, api.Put($"{path}/randomisation/scheme", new { method = "stratified-block", strata = new[] { "site" }, blockSizes = new[] { 2 } }, manager));
        await Expect(HttpStatusCode.OK, api.Post($"{path}/randomisation/scheme/seal", new { }, manager));
        foreach (var (id, _, _) in clusters)
            await Expect(HttpStatusCode.Created, api.Post($"{path}/randomisation/allocations", new { clusterId = id }, manager));
        var arms = (await api.Get($"{path}/randomisation/allocations", manager))["items"].AsArray()
            .ToDictionary(a => a!["clusterId"]!.GetValue<Guid>(), a => a!["arm"]!.GetValue<string>());
        var masksJson = await TestHost.Database.ScalarAsync<string>("SELECT masked_arms FROM randomisation_schemes WHERE trial_id = $1", world.TrialId);
        var masks = JsonNode.Parse(masksJson!)!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());

        var random = new Random(15);
        var scores = new List<Scored>();
        var coded = 0;
        var longRows = 0;
        var participants = 2;
        foreach (var (cluster, _, researcher) in clusters)
            foreach (var kind in new[] { "patient", "patient", "staff" })
            {
                var externalId = Unique("P-");
                var participant = (await Expect(HttpStatusCode.Created, api.Post($"{path}/participants", new
                {
                    externalId, clusterId = cluster, kind, consentDate = "2011-06-01", baselineDate = "2011-06-08",
                }, researcher))).Id;
                participants++;
                var due = kind == "staff"
                    ? new[] { ("baseline", "RKI"), ("12m", "RKI") }
                    : PatientInstruments.Select(i => ("baseline", i)).Concat([("12m", "QPR"), ("12m", "MANSA")]).ToArray();
                foreach (var (timepoint, instrument) in due)
                {
                    var definition = definitions[instrument];
                    var answers = new Dictionary<string, object>();
                    foreach (var item in definition["items"]!.AsArray())
                    {
                        var code = item!["code"]!.GetValue<string>();
                        // Every fifth answer is a missing-data code, cycling through refused, not applicable and not asked.
                        if (random.Next(5) == 0)
                        {
                            answers[code] = -99 + random.Next(3);
                            coded++;
                        }
                        else if (item["type"]!.GetValue<string>() == "choice")
                        {
                            var options = item["options"]!.AsArray();
                            answers[code] = options[random.Next(options.Count)]!["value"]!.GetValue<string>();
                        }
                        else
                            answers[code] = random.Next(item["min"]!.GetValue<int>(), item["max"]!.GetValue<int>() + 1);
                    }
                    longRows += answers.Count + definition["scales"]!.AsArray().Count;
                    var saved = await Expect(HttpStatusCode.Created, api.Put($"{path}/participants/{participant}/assessments/{timepoint}/{instrument}",
                        new { answers, status = "complete", assessedOn = timepoint == "baseline" ? "2011-06-10" : "2012-06-07" }, researcher));
                    scores.Add(new Scored(externalId, cluster, timepoint, instrument, saved["scores"].AsObject()));
                }
            }
        var wideRows = clusters.Count * 3 * 2;
        return new AnalysisWorld(world, arms, masks, scores, coded, participants, wideRows, longRows);
    }

    /// <summary>The mean of a scale over the scored assessments of one instrument and timepoint, per masked arm.</summary>
    public IReadOnlyDictionary<string, double> MeanByMaskedArm(string instrument, string timepoint, string scale) =>
        Scores.Where(s => s.Instrument == instrument && s.Timepoint == timepoint && s.Scores[scale] is not null)
            .GroupBy(s => Masks[ArmOfCluster[s.ClusterId]])
            .ToDictionary(g => g.Key, g => g.Average(s => s.Scores[scale]!.GetValue<double>()));
}
