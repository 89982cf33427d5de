using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Outcomes;
using TrialManager.Data.Participants;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Outcomes;

/// <summary>
/// Data queries and source-data verification. A monitor asks about an assessment (or one item); a researcher
/// answers, optionally correcting the item (audited like any change, with the query as its reason); the monitor
/// closes it. SDV: the monitor marks an assessment verified, or records a discrepancy, which raises a query.
/// While a query is open the trial cannot be locked.
/// </summary>
public static class DataQueries
{
    /// <summary>A century: further back than any trial, and within what a date can be counted back.</summary>
    public const int MaxAgeDays = 36500;

    /// <summary>A data query is open until answered, and answered until the monitor closes it (or re-opens it).</summary>
    public static readonly string[] Statuses = ["open", "answered", "closed"];

    public sealed record Raise(Guid? AssessmentId, string? ItemCode, string? Question) : ICommand<QueryView>, ITrialRequest
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.RaiseQueries;
    }

    public sealed class RaiseValidator : AbstractValidator<Raise>
    {
        public RaiseValidator()
        {
            RuleFor(c => c.AssessmentId).NotEmpty();
            RuleFor(c => c.Question).NotEmpty().IsReason();
        }
    }

    public sealed record Correction(string? ItemCode, JsonElement? Value, string? Reason);

    public sealed record Answer(string? Text, Correction? Correction) : ICommand<QueryView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid QueryId { get; init; }

        public string? Reason => Correction?.Reason ?? Text;
        public static TrialPermission Permission => TrialPermission.AnswerQueries;
    }

    public sealed class AnswerValidator : AbstractValidator<Answer>
    {
        public AnswerValidator()
        {
            RuleFor(c => c.Text).NotEmpty().IsReason();
            RuleFor(c => c.Correction!.ItemCode).NotEmpty().When(c => c.Correction is not null).OverridePropertyName("correction.itemCode");
            RuleFor(c => c.Correction!.Reason).NotEmpty().IsReason().When(c => c.Correction is not null).OverridePropertyName("correction.reason");
        }
    }

    public sealed class CloseValidator : AbstractValidator<Close>
    {
        public CloseValidator() => RuleFor(c => c.Note).IsReason();
    }

    public sealed class ReopenValidator : AbstractValidator<Reopen>
    {
        public ReopenValidator() => RuleFor(c => c.Note).IsReason();
    }

    public sealed class VerifyValidator : AbstractValidator<Verify>
    {
        public VerifyValidator() =>
            RuleFor(c => c.Discrepancy!.Question).IsReason().When(c => c.Discrepancy is not null).OverridePropertyName("discrepancy.question");
    }

    public sealed record Close(string? Note) : ICommand<QueryView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid QueryId { get; init; }

        public string? Reason => Note;
        public static TrialPermission Permission => TrialPermission.RaiseQueries;
    }

    /// <summary>A monitor re-opens a query whose answer does not settle it; the note says why.</summary>
    public sealed record Reopen(string? Note) : ICommand<QueryView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid QueryId { get; init; }

        public string? Reason => Note;
        public static TrialPermission Permission => TrialPermission.RaiseQueries;
    }

    /// <summary>What source-data verification found different: a query on the verified assessment (or one of its items).</summary>
    public sealed record Discrepancy(string? ItemCode, string? Question);

    public sealed record Verify(bool? Verified, Discrepancy? Discrepancy) : ICommand<AssessmentView>, ITrialRequest
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid AssessmentId { get; init; }

        public static TrialPermission Permission => TrialPermission.RaiseQueries;
    }

    /// <param name="OlderThanDays">Only queries raised at least this many days ago: the monitor's ageing list.</param>
    public sealed record ListQuery(Guid TrialId, string? Status, Guid? AssessmentId, Guid? SiteId = null, int? OlderThanDays = null)
        : IQuery<QueryList>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadQueries;
    }

    /// <summary>All of them in one page: `nextCursor` is always null, as for every list's last page.</summary>
    public sealed record QueryList(IReadOnlyList<QueryView> Items, string? NextCursor = null);

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller, CurrentUser user, TimeProvider clock)
        : ICommandHandler<Raise, QueryView>, ICommandHandler<Answer, QueryView>, ICommandHandler<Close, QueryView>, ICommandHandler<Reopen, QueryView>,
            ICommandHandler<Verify, AssessmentView>, IQueryHandler<ListQuery, QueryList>
    {
        public async ValueTask<QueryView> Handle(Raise command, CancellationToken ct)
        {
            var assessment = await VisibleAssessment(command.AssessmentId!.Value, "assessmentId", ct);
            var raised = await RaiseAsync(assessment, command.ItemCode, command.Question!, ct);
            var externalId = await db.Participants.Where(p => p.Id == assessment.ParticipantId).Select(p => p.ExternalId).SingleAsync(ct);
            return QueryView.Of(raised, new QueryPlace(assessment.ParticipantId, externalId, assessment.TimepointCode, assessment.InstrumentCode));
        }

        public async ValueTask<QueryView> Handle(Answer command, CancellationToken ct)
        {
            var (query, place) = await VisibleQuery(command.QueryId, ct);
            if (query.Status == "closed")
                throw ProblemException.Conflict("The query is closed.");
            if (command.Correction is { } correction)
                await CorrectAsync(query, correction, ct);
            query.Status = "answered";
            query.Answer = command.Text;
            query.AnsweredBy = user.Id;
            query.AnsweredAt = clock.GetUtcNow();
            return QueryView.Of(query, place);
        }

        public async ValueTask<QueryView> Handle(Close command, CancellationToken ct)
        {
            var (query, place) = await VisibleQuery(command.QueryId, ct);
            if (query.Status == "closed")
                throw ProblemException.Conflict("The query is already closed.");
            query.Status = "closed";
            query.CloseNote = command.Note;
            query.ClosedBy = user.Id;
            query.ClosedAt = clock.GetUtcNow();
            return QueryView.Of(query, place);
        }

        public async ValueTask<QueryView> Handle(Reopen command, CancellationToken ct)
        {
            var (query, place) = await VisibleQuery(command.QueryId, ct);
            if (query.Status == "open")
                throw ProblemException.Conflict("The query is already open.");
            query.Status = "open";
            query.ClosedBy = null;
            query.ClosedAt = null;
            query.CloseNote = null;
            return QueryView.Of(query, place);
        }

        public async ValueTask<AssessmentView> Handle(Verify command, CancellationToken ct)
        {
            // The assessment is in the route here: another trial's (or another site's) is simply not there.
            var assessment = await VisibleAssessment(command.AssessmentId, null, ct);
            if (command.Discrepancy is { } discrepancy)
            {
                if (string.IsNullOrWhiteSpace(discrepancy.Question))
                    throw ProblemException.Invalid("discrepancy.question", "not-empty", "A discrepancy raises a query: say what differs from the source.");
                await RaiseAsync(assessment, discrepancy.ItemCode, discrepancy.Question, ct, "discrepancy.itemCode");
                return AssessmentView.Of(assessment);
            }
            if (command.Verified != true)
                throw ProblemException.Invalid("verified", "one-of", "Send {verified: true}, or {discrepancy: {itemCode?, question}}.");
            if (assessment.Status != "complete")
                throw ProblemException.Conflict("Only a complete assessment can be verified against source.");
            assessment.Status = "verified";
            assessment.UpdatedAt = clock.GetUtcNow();
            assessment.Revision++;
            return AssessmentView.Of(assessment);
        }

        public async ValueTask<QueryList> Handle(ListQuery query, CancellationToken ct)
        {
            if (query.Status is { Length: > 0 } word && !Statuses.Contains(word))
                throw ProblemException.Invalid("status", "one-of", $"'status' is one of: {string.Join(", ", Statuses)}.");
            if (query.OlderThanDays is < 0 or > MaxAgeDays)
                throw ProblemException.Invalid("olderThanDays", "between", $"'olderThanDays' is a number of days from 0 to {MaxAgeDays}.");
            var participants = SiteScope.Participants(db, caller);
            if (query.SiteId is { } siteId)
                participants = participants.Where(p => p.Cluster!.SiteId == siteId);
            var queries = db.DataQueries.AsNoTracking().Where(q => q.TrialId == query.TrialId);
            if (query.Status is { Length: > 0 } status)
                queries = queries.Where(q => q.Status == status);
            if (query.AssessmentId is { } assessmentId)
                queries = queries.Where(q => q.AssessmentId == assessmentId);
            if (query.OlderThanDays is { } days)
            {
                var raisedBy = clock.GetUtcNow().AddDays(-days);
                queries = queries.Where(q => q.RaisedAt <= raisedBy);
            }
            var placed = await Placed(queries, participants).ToListAsync(ct);
            return new QueryList(placed.Select(row => QueryView.Of(row.Query, row.Place)).ToList());
        }

        private async Task<DataQuery> RaiseAsync(Assessment assessment, string? itemCode, string question, CancellationToken ct,
            string itemField = "itemCode")
        {
            if (itemCode is not null && !await ItemExists(assessment, itemCode, ct))
                throw ProblemException.Invalid(itemField, "known-item", $"'{itemCode}' is not an item of {assessment.InstrumentCode}.");
            var raised = new DataQuery
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()), TrialId = assessment.TrialId, AssessmentId = assessment.Id, ItemCode = itemCode,
                Question = question, Status = "open", RaisedBy = user.Id, RaisedAt = clock.GetUtcNow(),
            };
            db.DataQueries.Add(raised);
            return raised;
        }

        /// <summary>A correction is a change to the assessment like any other: checked, re-scored and audited.</summary>
        private async Task CorrectAsync(DataQuery query, Correction correction, CancellationToken ct)
        {
            var assessment = await db.Assessments.SingleAsync(a => a.Id == query.AssessmentId, ct);
            if (assessment.Status == "locked")
                throw ProblemException.Conflict("The assessment is locked.");
            var definition = InstrumentDefinition.FromJson(await db.Instruments.Where(i => i.TrialId == assessment.TrialId
                && i.Code == assessment.InstrumentCode && i.Version == assessment.InstrumentVersion).Select(i => i.Definition).SingleAsync(ct));
            var answers = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(assessment.Answers)!;
            answers[correction.ItemCode!] = correction.Value ?? JsonSerializer.SerializeToElement<object?>(null);
            var problems = InstrumentRules.CheckAnswers(definition, answers, assessment.Status != "draft");
            if (problems.Count > 0)
                // The only answer a correction changes is its own value.
                throw ProblemException.Invalid(problems.Select(p => p with
                {
                    Field = p.Field != $"answers.{correction.ItemCode}" ? "correction." + p.Field
                        : p.Rule == "known-item" ? "correction.itemCode" : "correction.value",
                }).ToList());
            assessment.Answers = JsonSerializer.Serialize(answers);
            assessment.Scores = JsonSerializer.Serialize(InstrumentRules.Score(definition, answers));
            if (assessment.Status == "verified")
                assessment.Status = "complete";
            assessment.UpdatedAt = clock.GetUtcNow();
            assessment.Revision++;
        }

        private async Task<bool> ItemExists(Assessment assessment, string itemCode, CancellationToken ct)
        {
            var definition = await db.Instruments.Where(i => i.TrialId == assessment.TrialId && i.Code == assessment.InstrumentCode
                && i.Version == assessment.InstrumentVersion).Select(i => i.Definition).SingleAsync(ct);
            return InstrumentDefinition.FromJson(definition).Items.Any(i => i.Code == itemCode);
        }

        /// <param name="field">The body field that named the assessment (422 when unknown), or null when the route did (404).</param>
        private async Task<Assessment> VisibleAssessment(Guid assessmentId, string? field, CancellationToken ct)
        {
            var visible = SiteScope.Participants(db, caller).Select(p => p.Id);
            return await db.Assessments
                       .SingleOrDefaultAsync(a => a.TrialId == caller.TrialId && a.Id == assessmentId && visible.Contains(a.ParticipantId), ct)
                ?? throw (field is null ? ProblemException.NotFound("assessment") : ProblemException.Invalid(field, "exists", "No such assessment in this trial."));
        }

        /// <summary>
        /// Queries on the assessments of the given participants, each with where its item is: the join that places a
        /// query is also what keeps another site's query out of sight.
        /// </summary>
        private IQueryable<PlacedQuery> Placed(IQueryable<DataQuery> queries, IQueryable<Participant> participants) =>
            from q in queries
            join a in db.Assessments on q.AssessmentId equals a.Id
            join p in participants on a.ParticipantId equals p.Id
            orderby q.Id
            select new PlacedQuery(q, new QueryPlace(a.ParticipantId, p.ExternalId, a.TimepointCode, a.InstrumentCode));

        private async Task<PlacedQuery> VisibleQuery(Guid queryId, CancellationToken ct) =>
            await Placed(db.DataQueries.Where(q => q.TrialId == caller.TrialId && q.Id == queryId), SiteScope.Participants(db, caller))
                .SingleOrDefaultAsync(ct)
            ?? throw ProblemException.NotFound("query");
    }

    private sealed record PlacedQuery(DataQuery Query, QueryPlace Place);

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapPost("/queries", async (Guid trialId, Raise command, IMediator mediator, CancellationToken ct) =>
            {
                var query = await mediator.Send(command with { TrialId = trialId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/queries/{query.Id}", query);
            })
            .WithName("RaiseQuery")
            .WithSummary("Raise a data query on an assessment or one item (monitor)")
            .TrialWrite();
        trial.MapGet("/queries", async (Guid trialId, string? status, Guid? assessmentId, Guid? siteId, int? olderThanDays,
                    IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListQuery(trialId, status, assessmentId, siteId, olderThanDays), ct)))
            .WithName("ListQueries")
            .WithSummary("Data queries, oldest first (filter by status open|answered|closed, assessmentId, siteId, olderThanDays)")
            .TrialRead().ProducesErrors(422);
        trial.MapPost("/queries/{queryId:guid}/answers", async (Guid trialId, Guid queryId, Answer command, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(command with { TrialId = trialId, QueryId = queryId }, ct)))
            .WithName("AnswerQuery")
            .WithSummary("Answer a query, optionally correcting the item (researcher, trial manager)")
            .TrialWrite();
        trial.MapPost("/queries/{queryId:guid}/close", async (Guid trialId, Guid queryId,
                [Microsoft.AspNetCore.Mvc.FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] Close? command,
                IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send((command ?? new Close(null)) with { TrialId = trialId, QueryId = queryId }, ct)))
            .WithName("CloseQuery")
            .WithSummary("Close a query (monitor)")
            .TrialWrite();
        trial.MapPost("/queries/{queryId:guid}/reopen", async (Guid trialId, Guid queryId,
                [Microsoft.AspNetCore.Mvc.FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] Reopen? command,
                IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send((command ?? new Reopen(null)) with { TrialId = trialId, QueryId = queryId }, ct)))
            .WithName("ReopenQuery")
            .WithSummary("Re-open an answered or closed query (monitor); the note is recorded as the reason")
            .TrialWrite();
        trial.MapPost("/assessments/{assessmentId:guid}/verification", async (Guid trialId, Guid assessmentId, Verify command, IMediator mediator,
                    CancellationToken ct) => TypedResults.Ok(await mediator.Send(command with { TrialId = trialId, AssessmentId = assessmentId }, ct)))
            .WithName("VerifyAssessment")
            .WithSummary("Source-data verification: {verified: true}, or {discrepancy: {itemCode?, question}} which raises a query (monitor)")
            .TrialWrite();
    }
}
