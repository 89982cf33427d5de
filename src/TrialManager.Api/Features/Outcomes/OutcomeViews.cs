using System.Text.Json;
using System.Text.Json.Serialization;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Data.Outcomes;

namespace TrialManager.Api.Features.Outcomes;

/// <summary>An instrument as the contract spells it: the definition plus its version.</summary>
public sealed record InstrumentView(string Code, int Version, string Title, string Source, IReadOnlyList<ItemDefinition> Items,
    IReadOnlyList<ScaleDefinition> Scales, IReadOnlyList<MissingCode> MissingCodes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? PublishedAt)
{
    public static InstrumentView Of(InstrumentDefinition d, int version, DateTimeOffset? publishedAt = null) =>
        new(d.Code, version, d.Title, d.Source, d.Items, d.Scales, d.MissingCodes, publishedAt);

    public static InstrumentView Of(Instrument i) => Of(InstrumentDefinition.FromJson(i.Definition), i.Version, i.PublishedAt);
}

public sealed record TimepointView(Guid Id, string Code, string Label, int OffsetDays, int WindowDaysBefore, int WindowDaysAfter)
{
    public static TimepointView Of(Timepoint t) => new(t.Id, t.Code, t.Label, t.OffsetDays, t.WindowDaysBefore, t.WindowDaysAfter);
}

public sealed record ScheduleEntryView(string TimepointCode, string InstrumentCode, string ParticipantKind);

public sealed record ScheduleView(IReadOnlyList<ScheduleEntryView> Entries);

public sealed record AssessmentView(Guid Id, Guid ParticipantId, string TimepointCode, string InstrumentCode, int InstrumentVersion,
    JsonElement Answers, JsonElement Scores, string Status, DateOnly AssessedOn, bool OutOfWindow, int DaysOutOfWindow, Guid AssessedBy,
    DateTimeOffset UpdatedAt, int Revision)
{
    public static AssessmentView Of(Assessment a) => new(a.Id, a.ParticipantId, a.TimepointCode, a.InstrumentCode, a.InstrumentVersion,
        JsonDocument.Parse(a.Answers).RootElement.Clone(), JsonDocument.Parse(a.Scores).RootElement.Clone(), a.Status, a.AssessedOn,
        a.OutOfWindow, a.DaysOutOfWindow, a.AssessedBy, a.UpdatedAt, a.Revision);

    public string ETag => $"\"{Revision}\"";
}

/// <summary>Where a query's assessment is: its participant, visit and instrument, so a worklist of queries can link to the item.</summary>
public sealed record QueryPlace(Guid ParticipantId, string ParticipantExternalId, string TimepointCode, string InstrumentCode);

public sealed record QueryView(Guid Id, Guid AssessmentId, string? ItemCode, string Question, string Status, Guid RaisedBy, DateTimeOffset RaisedAt,
    string? Answer, Guid? AnsweredBy, DateTimeOffset? AnsweredAt, string? CloseNote, Guid? ClosedBy, DateTimeOffset? ClosedAt, QueryPlace Place)
{
    public static QueryView Of(DataQuery q, QueryPlace place) => new(q.Id, q.AssessmentId, q.ItemCode, q.Question, q.Status, q.RaisedBy, q.RaisedAt,
        q.Answer, q.AnsweredBy, q.AnsweredAt, q.CloseNote, q.ClosedBy, q.ClosedAt, place);
}
