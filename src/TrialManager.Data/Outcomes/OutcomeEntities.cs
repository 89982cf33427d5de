namespace TrialManager.Data.Outcomes;

/// <summary>One published version of an outcome measure in a trial. Immutable: a change is a new version.</summary>
public sealed class Instrument : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public required string Code { get; init; }
    public int Version { get; init; }
    public required string Title { get; init; }

    /// <summary>The whole definition (items, scales, missing-data codes) as JSON.</summary>
    public required string Definition { get; init; }

    public DateTimeOffset PublishedAt { get; init; }
}

/// <summary>A follow-up point: a target offset from the participant's baseline date and a window around it.</summary>
public sealed class Timepoint : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public required string Code { get; init; }
    public required string Label { get; set; }
    public int OffsetDays { get; set; }
    public int WindowDaysBefore { get; set; }
    public int WindowDaysAfter { get; set; }
}

/// <summary>An instrument due at a timepoint for one kind of participant.</summary>
public sealed class ScheduleEntry : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public required string TimepointCode { get; init; }
    public required string InstrumentCode { get; init; }
    public required string ParticipantKind { get; init; }

    /// <summary>The entry's place in the schedule as given: the first instrument at the final timepoint is the primary outcome.</summary>
    public int Position { get; init; }
}

/// <summary>
/// A participant's answers to one instrument at one timepoint, scored by the server with the version it was entered
/// with. `Revision` counts saves and is the ETag that guards against lost updates.
/// </summary>
public sealed class Assessment : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid ParticipantId { get; init; }
    public required string TimepointCode { get; init; }
    public required string InstrumentCode { get; init; }
    public int InstrumentVersion { get; set; }
    public required string Answers { get; set; }
    public required string Scores { get; set; }
    public required string Status { get; set; }
    public DateOnly AssessedOn { get; set; }
    public bool OutOfWindow { get; set; }
    public int DaysOutOfWindow { get; set; }
    public Guid AssessedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int Revision { get; set; }
}

/// <summary>A monitor's question on an assessment (or one of its items), answered by a researcher, closed by the monitor.</summary>
public sealed class DataQuery : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid AssessmentId { get; init; }
    public string? ItemCode { get; init; }
    public required string Question { get; init; }
    public required string Status { get; set; }
    public Guid RaisedBy { get; init; }
    public DateTimeOffset RaisedAt { get; init; }
    public string? Answer { get; set; }
    public Guid? AnsweredBy { get; set; }
    public DateTimeOffset? AnsweredAt { get; set; }
    public string? CloseNote { get; set; }
    public Guid? ClosedBy { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
}

/// <summary>An assessor's guess of a participant's arm after a follow-up assessment, for the blinding index.</summary>
public sealed class BlindingGuess : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid ParticipantId { get; init; }
    public required string TimepointCode { get; init; }
    public required string Guess { get; init; }
    public int Confidence { get; init; }
    public Guid RecordedBy { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>An assessor's report that they learned an arm, and how.</summary>
public sealed class BlindingBreach : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid? ClusterId { get; init; }
    public Guid? ParticipantId { get; init; }
    public required string Description { get; init; }
    public Guid ReportedBy { get; init; }
    public DateTimeOffset ReportedAt { get; init; }
}
