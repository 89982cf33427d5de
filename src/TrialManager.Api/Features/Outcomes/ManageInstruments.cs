using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Outcomes;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Outcomes;

/// <summary>
/// The shipped library, and a trial's instruments: added as a full definition or `{fromLibrary: "QPR"}`. A
/// published version never changes; publishing a different definition under the same code makes the next version,
/// and every assessment keeps the version it was entered with.
/// </summary>
public static class ManageInstruments
{
    public sealed record LibraryQuery : IQuery<InstrumentList>;

    /// <summary>All of them in one page: `nextCursor` is always null, as for every list's last page.</summary>
    public sealed record InstrumentList(IReadOnlyList<InstrumentView> Items, string? NextCursor = null);

    public sealed record Command(string? FromLibrary, string? Code, string? Title, string? Source, IReadOnlyList<ItemDefinition>? Items,
        IReadOnlyList<ScaleDefinition>? Scales, IReadOnlyList<MissingCode>? MissingCodes, string? Reason)
        : ICommand<(InstrumentView View, bool Created)>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.DesignOutcomes;
    }

    public sealed class Validator : FluentValidation.AbstractValidator<Command>
    {
        public Validator() => RuleFor(c => c.Reason).IsReason();
    }

    public sealed record ListQuery(Guid TrialId) : IQuery<InstrumentList>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadOutcomeDesign;
    }

    public sealed record GetQuery(Guid TrialId, string Code, int? Version) : IQuery<InstrumentView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadOutcomeDesign;
    }

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock)
        : IQueryHandler<LibraryQuery, InstrumentList>, ICommandHandler<Command, (InstrumentView, bool)>, IQueryHandler<ListQuery, InstrumentList>,
            IQueryHandler<GetQuery, InstrumentView>
    {
        public ValueTask<InstrumentList> Handle(LibraryQuery query, CancellationToken ct) =>
            ValueTask.FromResult(new InstrumentList(InstrumentLibrary.All.Select(d => InstrumentView.Of(d, 1)).ToList()));

        public async ValueTask<(InstrumentView, bool)> Handle(Command command, CancellationToken ct)
        {
            var definition = command.FromLibrary is { } code
                ? InstrumentLibrary.Find(code) ?? throw ProblemException.Invalid("fromLibrary", "known", $"The library has no instrument '{code}'.")
                : new InstrumentDefinition(command.Code ?? "", command.Title ?? "", command.Source ?? "", command.Items ?? [],
                    // Optional lists are stored as empty, never null, so that every reader of a definition can rely on them.
                    (command.Scales ?? []).Select(s => s with { ReverseItems = s.ReverseItems ?? [] }).ToList(), command.MissingCodes ?? []);
            if (InstrumentRules.CheckDefinition(definition) is { Count: > 0 } problems)
                throw ProblemException.Invalid(problems);

            var json = definition.ToJson();
            var latest = await db.Instruments.Where(i => i.TrialId == command.TrialId && i.Code == definition.Code)
                .OrderByDescending(i => i.Version).FirstOrDefaultAsync(ct);
            if (latest is not null && JsonEquals(latest.Definition, json))
                return (InstrumentView.Of(latest), false);
            var instrument = new Instrument
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()), TrialId = command.TrialId, Code = definition.Code, Version = (latest?.Version ?? 0) + 1,
                Title = definition.Title, Definition = json, PublishedAt = clock.GetUtcNow(),
            };
            db.Instruments.Add(instrument);
            return (InstrumentView.Of(instrument), true);
        }

        public async ValueTask<InstrumentList> Handle(ListQuery query, CancellationToken ct) =>
            new((await db.Instruments.AsNoTracking().Where(i => i.TrialId == query.TrialId).ToListAsync(ct))
                .GroupBy(i => i.Code).Select(g => g.MaxBy(i => i.Version)!).OrderBy(i => i.Code).Select(InstrumentView.Of).ToList());

        public async ValueTask<InstrumentView> Handle(GetQuery query, CancellationToken ct) =>
            InstrumentView.Of(await db.Instruments.AsNoTracking()
                .Where(i => i.TrialId == query.TrialId && i.Code == query.Code && (query.Version == null || i.Version == query.Version))
                .OrderByDescending(i => i.Version).FirstOrDefaultAsync(ct) ?? throw ProblemException.NotFound("instrument"));

        private static bool JsonEquals(string a, string b) =>
            JsonElement.DeepEquals(JsonDocument.Parse(a).RootElement, JsonDocument.Parse(b).RootElement);
    }

    public static void MapLibrary(IEndpointRouteBuilder api) =>
        api.MapGet("/instrument-library", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new LibraryQuery(), ct)))
            .WithName("ListLibraryInstruments")
            .WithSummary("The shipped outcome measures (the REFOCUS pack)");

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapPost("/instruments", async Task<Microsoft.AspNetCore.Http.HttpResults.Results<Microsoft.AspNetCore.Http.HttpResults.Created<InstrumentView>,
                Microsoft.AspNetCore.Http.HttpResults.Ok<InstrumentView>>> (Guid trialId, Command command, IMediator mediator, CancellationToken ct) =>
            {
                var (view, created) = await mediator.Send(command with { TrialId = trialId }, ct);
                return created
                    ? TypedResults.Created($"/api/v1/trials/{trialId}/instruments/{view.Code}?version={view.Version}", view)
                    : TypedResults.Ok(view);
            })
            .WithName("PublishInstrument")
            .WithSummary("Publish an instrument (a full definition or {fromLibrary}); a changed definition becomes a new version")
            .TrialWrite();
        trial.MapGet("/instruments", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListQuery(trialId), ct)))
            .WithName("ListInstruments")
            .WithSummary("The trial's instruments, latest versions")
            .TrialRead();
        trial.MapGet("/instruments/{code}", async (Guid trialId, string code, int? version, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetQuery(trialId, code, version), ct)))
            .WithName("GetInstrument")
            .WithSummary("An instrument, latest version or ?version=")
            .TrialRead();
    }
}
