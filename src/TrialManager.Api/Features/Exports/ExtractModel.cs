using System.Text.Json;
using TrialManager.Api.Features.Outcomes.Scoring;

namespace TrialManager.Api.Features.Exports;

// What an extract holds, as the format writers (CSV, ODM) see it: the study design read once, then rows streamed
// from the database. In a blinded extract every arm is already its masked code, here and in every row.

/// <summary>The study: who asked, when, blinded or not, and the design that the rows refer to.</summary>
public sealed record ExtractHeader(
    Guid TrialId, string TrialCode, string TrialTitle, bool Blinded, DateTimeOffset CreatedAt, string RequestedBy,
    IReadOnlyList<ExtractArm> Arms, IReadOnlyList<ExtractTimepoint> Timepoints, IReadOnlyList<ExtractInstrument> Instruments);

/// <summary>An arm as the extract names it: the real code and label, or in a blinded extract the masked code only.</summary>
public sealed record ExtractArm(string Code, string Label);

public sealed record ExtractTimepoint(string Code, string Label, int OffsetDays, int WindowDaysBefore, int WindowDaysAfter);

/// <summary>One version of an instrument that assessments in the extract were entered with.</summary>
public sealed record ExtractInstrument(string Code, int Version, InstrumentDefinition Definition);

public sealed record ExtractCluster(string Code, string SiteCode, string? Arm);

public sealed record ExtractParticipant(
    string ExternalId, string Kind, string ClusterCode, string SiteCode, string? Arm,
    DateOnly ConsentDate, DateOnly BaselineDate, string Status, DateOnly? StatusDate);

/// <summary>An assessment with its answers (numbers, strings or dates as entered) and the server's scores.</summary>
public sealed record ExtractAssessment(
    string ParticipantExternalId, string TimepointCode, string InstrumentCode, int InstrumentVersion, string Status,
    DateOnly AssessedOn, bool OutOfWindow, int DaysOutOfWindow,
    IReadOnlyDictionary<string, JsonElement> Answers, IReadOnlyDictionary<string, double?> Scores);
