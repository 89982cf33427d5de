using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Jobs;
using TrialManager.Api.Features.Outcomes;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Api.Features.Participants;
using TrialManager.Api.Features.Randomisation;
using TrialManager.Api.Features.Reminders;
using TrialManager.Api.Features.Reports;
using TrialManager.Api.Features.Trials;
using TrialManager.Data.Conventions;
using TrialManager.Data.Participants;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// What the OpenAPI document cannot read from the C# types: the fixed words of fields and filters that are strings in
/// code, the shapes of JSON values the server builds by hand, and the required fields of bodies that a handler
/// checks itself (FluentValidation validators are read directly, see <see cref="RequiredFields"/>). Each entry takes
/// the words from the constant the server checks against where there is one.
/// </summary>
internal static class OpenApiVocabulary
{
    private static readonly string[] SchemeStatuses = ["draft", "sealed"];
    private static readonly string[] Metrics = ["l2", "l1"];
    private static readonly string[] Imbalances = ["range", "variance"];
    private static readonly string[] MinimisationRules = ["least-imbalance", "random-other", "least-tied-random", "all-equal-random"];
    private static readonly string[] ExportStatuses = [ExportJob.Queued, ExportJob.Running, ExportJob.Succeeded, ExportJob.Failed];
    private static readonly string[] SavedStatuses = ["draft", "complete"];
    private static readonly string[] AssessmentStatuses = ["draft", "complete", "verified", "locked"];
    private static readonly string[] QueryStatuses = DataQueries.Statuses;
    private static readonly string[] ScaleMethods = ["sum", "mean"];
    private static readonly string[] UnblindingKinds = ["emergency", "planned"];
    private static readonly string[] AuditOrders = ["newest", "oldest"];
    private static readonly string[] AuditFormats = ["csv", "jsonl", "ndjson"];
    private static readonly string[] SystemRoleWords = [SystemRoles.Admin];

    /// <summary>Fields of bodies and answers that hold one of a fixed set of words, by (type, JSON name).</summary>
    public static readonly IReadOnlyDictionary<(Type Type, string Property), IReadOnlyList<string>> Fields =
        new Dictionary<(Type, string), IReadOnlyList<string>>
        {
            [(typeof(SchemeBody), "method")] = SchemeDefinition.Methods,
            [(typeof(SchemeBody), "metric")] = Metrics,
            [(typeof(SchemeBody), "imbalance")] = Imbalances,
            [(typeof(SchemeDefinition), "method")] = SchemeDefinition.Methods,
            [(typeof(SchemeDefinition), "metric")] = Metrics,
            [(typeof(SchemeDefinition), "imbalance")] = Imbalances,
            [(typeof(SchemeView), "method")] = SchemeDefinition.Methods,
            [(typeof(SchemeView), "status")] = SchemeStatuses,
            [(typeof(RequestExport.Command), "format")] = RequestExport.Formats,
            [(typeof(ExportView), "format")] = RequestExport.Formats,
            [(typeof(ExportView), "status")] = ExportStatuses,
            [(typeof(SaveAssessment.Body), "status")] = SavedStatuses,
            [(typeof(AssessmentView), "status")] = AssessmentStatuses,
            [(typeof(QueryView), "status")] = QueryStatuses,
            [(typeof(ItemDefinition), "type")] = InstrumentRules.ItemTypes,
            [(typeof(ScaleDefinition), "method")] = ScaleMethods,
            [(typeof(Unblind.Command), "kind")] = UnblindingKinds,
            [(typeof(Unblind.UnblindingView), "kind")] = UnblindingKinds,
            [(typeof(ManageUsers.CreateCommand), "systemRole")] = SystemRoleWords,
            [(typeof(UserView), "systemRole")] = SystemRoleWords,
            [(typeof(GetMe.MeView), "systemRole")] = SystemRoleWords,
            [(typeof(ManageSchedule.Entry), "participantKind")] = Words<ParticipantKind>(),
            [(typeof(ScheduleEntryView), "participantKind")] = Words<ParticipantKind>(),
            [(typeof(ConsortFlow.Exit), "status")] = Words<ParticipantStatus>(),
        };

    /// <summary>
    /// Query and path parameters that take one of a fixed set of words, by (route, parameter): the words are a named
    /// schema, so that a generated client has one type for them (the C# enum's own where there is one).
    /// </summary>
    public static readonly IReadOnlyDictionary<(string Route, string Parameter), ParameterWords> Parameters =
        new Dictionary<(string, string), ParameterWords>
        {
            [("api/v1/trials", "status")] = new(typeof(TrialStatus)),
            [("api/v1/trials/{trialId}/participants", "status")] = new(typeof(ParticipantStatus)),
            [("api/v1/trials/{trialId}/participants", "kind")] = new(typeof(ParticipantKind)),
            [("api/v1/trials/{trialId}/reminders", "state")] = new(typeof(FollowUpState)),
            [("api/v1/trials/{trialId}/queries", "status")] = new(null, "QueryStatus", QueryStatuses),
            [("api/v1/trials/{trialId}/audit", "order")] = new(null, "AuditOrder", AuditOrders),
            [("api/v1/trials/{trialId}/audit/export", "order")] = new(null, "AuditOrder", AuditOrders),
            [("api/v1/trials/{trialId}/audit/export", "format")] = new(null, "AuditFormat", AuditFormats),
            [("api/v1/audit/system", "order")] = new(null, "AuditOrder", AuditOrders),
            [("api/v1/jobs/{jobName}/trigger", "jobName")] = new(null, "RecurringJobName", RecurringJobs.Names),
        };

    /// <summary>A C# enum (its schema is the enum's), or words under a schema name of their own.</summary>
    public sealed record ParameterWords(Type? Enum, string Schema = "", IReadOnlyList<string>? Words = null);

    /// <summary>
    /// Fields that a handler (not a validator) refuses to do without, by body type. A field that is needed only in
    /// some cases (a reason for a status change, a title unless the instrument comes from the library) is not here.
    /// </summary>
    public static readonly IReadOnlyDictionary<Type, IReadOnlyList<string>> RequiredByHandlers = new Dictionary<Type, IReadOnlyList<string>>
    {
        [typeof(SchemeBody)] = ["method"],
        [typeof(WeightedName)] = ["name"],
        [typeof(SaveAssessment.Body)] = ["assessedOn"],
        [typeof(AssessorBlinding.GuessBody)] = ["timepointCode", "guess", "confidence"],
        [typeof(ManageSchedule.Entry)] = ["timepointCode", "instrumentCode", "participantKind"],
        [typeof(ItemDefinition)] = ["code", "label", "type"],
        [typeof(ScaleDefinition)] = ["items", "method", "minAnswered"],
    };

    /// <summary>Types the server writes with serializer options that leave null fields out (the canonical scheme settings).</summary>
    public static readonly IReadOnlySet<Type> WrittenWithoutNulls = new HashSet<Type> { typeof(SchemeDefinition) };

    /// <summary>JSON values the server builds or reads without a C# type of their own, by (type, JSON name).</summary>
    public static readonly IReadOnlyDictionary<(Type Type, string Property), Func<OpenApiShapes, IOpenApiSchema>> Shapes =
        new Dictionary<(Type, string), Func<OpenApiShapes, IOpenApiSchema>>
        {
            [(typeof(SaveAssessment.Body), "answers")] = s => s.Answers,
            [(typeof(AssessmentView), "answers")] = s => s.Answers,
            [(typeof(AssessmentView), "scores")] = s => s.Scores,
            [(typeof(DataQueries.Correction), "value")] = s => s.AnswerValue,
            [(typeof(AllocationView), "evidence")] = s => s.Evidence,
            [(typeof(SchemeView), "settings")] = s => s.Settings,
            [(typeof(ReadAllocations.Revealed), "sequence")] = s => s.Sequences,
            [(typeof(ClusterView), "covariates")] = s => s.Covariates,
            [(typeof(CreateCluster.Command), "covariates")] = s => s.Covariates,
            [(typeof(UpdateCluster.Command), "covariates")] = s => s.Covariates,
            [(typeof(AuditChangeView), "old")] = _ => OpenApiShapes.AnyJson("The field's value before the change (any JSON; a sealed value is {\"commitment\": hex} for blinded readers)."),
            [(typeof(AuditChangeView), "new")] = _ => OpenApiShapes.AnyJson("The field's value after the change (any JSON; a sealed value is {\"commitment\": hex} for blinded readers)."),
        };

    /// <summary>Words used by <see cref="OpenApiShapes"/>.</summary>
    public static IReadOnlyList<string> MinimisationRuleWords => MinimisationRules;

    public static IReadOnlyList<string> Words<TEnum>() where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Select(KebabCaseEnumConverter<TEnum>.ToWord).ToList();

    public static IList<JsonNode> AsEnum(IEnumerable<string> words) => words.Select(w => (JsonNode)JsonValue.Create(w)).ToList();
}
