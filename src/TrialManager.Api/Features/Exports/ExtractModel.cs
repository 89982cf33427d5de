using System.Text.Json;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Exports;

// What an extract holds, as the format writers (CSV, ODM) see it: the study design read once, then rows streamed
// from the database. In a blinded extract every arm is already its masked code, here and in every row.

/// <summary>The study: who asked, when, blinded or not, and the design that the rows refer to.</summary>
public sealed record ExtractHeader(
    Guid TrialId, string TrialCode, string TrialTitle, bool Blinded, DateTimeOffset CreatedAt, string RequestedBy,
    IReadOnlyList<ExtractArm> Arms, IReadOnlyList<ExtractTimepoint> Timepoints, IReadOnlyList<ExtractInstrument> Instruments,
    ExtractClusterDesign Design);

/// <summary>An arm as the extract names it: the real code and label, or in a blinded extract the masked code only.</summary>
public sealed record ExtractArm(string Code, string Label);

public sealed record ExtractTimepoint(string Code, string Label, int OffsetDays, int WindowDaysBefore, int WindowDaysAfter);

/// <summary>One version of an instrument that assessments in the extract were entered with.</summary>
public sealed record ExtractInstrument(string Code, int Version, InstrumentDefinition Definition);

/// <summary>
/// The cluster side of the design: every site and cluster (in the order of clusters.csv), the clusters' covariates,
/// and what the sealed randomisation scheme did with them (none before it is sealed).
/// </summary>
public sealed record ExtractClusterDesign(IReadOnlyList<string> Sites, IReadOnlyList<string> Clusters, IReadOnlyList<ExtractCovariate> Covariates,
    ExtractRandomisation? Randomisation);

/// <summary>
/// A cluster covariate as the trial defines it: numeric, or categorical with the levels its clusters have, in ordinal
/// order (the first is the reference level, as in the constrained randomisation's score).
/// </summary>
public sealed record ExtractCovariate(string Name, bool Numeric, IReadOnlyList<string> Levels);

/// <summary>
/// The sealed scheme as an analysis needs it: the method, each covariate it used (`site` included) with how, and for
/// a stratified design the factors and the strata its clusters were randomised in. Never the block sizes, draws or
/// positions: with the allocation order they would help to guess arms.
/// </summary>
public sealed record ExtractRandomisation(string Method, IReadOnlyDictionary<string, string> Uses, IReadOnlyList<string>? StratifiedBy,
    IReadOnlyList<string> Strata);

/// <summary>A cluster with its covariates and, in a stratified design, the stratum it was randomised in.</summary>
public sealed record ExtractCluster(string Code, string SiteCode, string? Arm, IReadOnlyDictionary<string, CovariateValue> Covariates, string? Stratum);

public sealed record ExtractParticipant(
    string ExternalId, string Kind, string ClusterCode, string SiteCode, string? Arm,
    DateOnly ConsentDate, DateOnly BaselineDate, string Status, DateOnly? StatusDate);

/// <summary>An assessment, with where its participant is (cluster, site, arm), its answers (numbers, strings or dates as entered) and the server's scores.</summary>
public sealed record ExtractAssessment(
    string ParticipantExternalId, string ClusterCode, string SiteCode, string? Arm, string TimepointCode, string InstrumentCode, int InstrumentVersion, string Status,
    DateOnly AssessedOn, bool OutOfWindow, int DaysOutOfWindow,
    IReadOnlyDictionary<string, JsonElement> Answers, IReadOnlyDictionary<string, double?> Scores);
