using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Exports;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// An export's status and its file. The routes name no trial, so the trial is read from the export and the usual
/// trial access check runs on it: non-members get 404, members whose role reads no exports 403. A blinded extract
/// may be read by every role that reads exports; an unblinded one only by roles that see the allocation, and each
/// fetch of its file is an audited access.
/// </summary>
public static class ReadExport
{
    public sealed record StatusQuery(Guid ExportId) : IQuery<ExportView>, ITrialRequest
    {
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.ReadExports;
    }

    public sealed record FileQuery(Guid ExportId) : IQuery<ExportFile>, ITrialRequest
    {
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.ReadExports;
    }

    public sealed record ExportFile(Stream Content, string ContentType, string FileName);

    public sealed class Handler(TrialManagerDbContext db, CallerBlinding blinding, IExportStorage storage, AccessAudit access, TimeProvider clock)
        : IQueryHandler<StatusQuery, ExportView>, IQueryHandler<FileQuery, ExportFile>
    {
        public async ValueTask<ExportView> Handle(StatusQuery query, CancellationToken ct) =>
            ExportView.Of(await ReadableAsync(query.ExportId, ct));

        public async ValueTask<ExportFile> Handle(FileQuery query, CancellationToken ct)
        {
            var export = await ReadableAsync(query.ExportId, ct);
            if (export.Status != ExportJob.Succeeded)
                throw ProblemException.Conflict($"The export is {export.Status}; its file is ready once it has succeeded.");
            if (!export.Blinded)
                await access.RecordAsync(export.TrialId, "export", export.Id, $"unblinded extract fetched ({export.Format})", ct);
            var content = export.FileKey is { } key ? await storage.OpenReadAsync(key, ct) : null;
            if (content is null)
                throw new ProblemException(StatusCodes.Status410Gone, "Gone",
                    $"The export's file was deleted when it expired ({export.ExpiresAt:O}); request a new export.");
            var trialCode = await db.Trials.Where(t => t.Id == export.TrialId).Select(t => t.Code).SingleAsync(ct);
            var (contentType, extension) = export.Format == "odm" ? ("application/xml", "xml") : ("application/zip", "zip");
            var stamp = (export.FinishedAt ?? clock.GetUtcNow()).UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            return new ExportFile(content, contentType, $"{trialCode}-{(export.Blinded ? "blinded" : "unblinded")}-{stamp}.{extension}");
        }

        private async Task<Export> ReadableAsync(Guid exportId, CancellationToken ct)
        {
            var export = await db.Exports.AsNoTracking().SingleAsync(e => e.Id == exportId, ct);
            if (!export.Blinded && !await blinding.SeesEveryArmAsync(ct))
                throw ProblemException.Forbidden("This is an unblinded extract; you do not see the allocation.");
            return export;
        }
    }

    /// <summary>The trial an export belongs to, for the access check; 404 when there is no such export.</summary>
    private static async Task<Guid> TrialOfAsync(TrialManagerDbContext db, Guid exportId, CancellationToken ct) =>
        await db.Exports.AsNoTracking().Where(e => e.Id == exportId).Select(e => (Guid?)e.TrialId).SingleOrDefaultAsync(ct)
        ?? throw ProblemException.NotFound("export");

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/exports/{exportId:guid}", async (Guid exportId, TrialManagerDbContext db, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new StatusQuery(exportId) { TrialId = await TrialOfAsync(db, exportId, ct) }, ct)))
            .WithName("GetExport")
            .WithSummary("An export's status, progress, row counts, size, SHA-256 and expiry")
            .TrialRead();
        api.MapGet("/exports/{exportId:guid}/file", async (Guid exportId, TrialManagerDbContext db, IMediator mediator, CancellationToken ct) =>
            {
                var file = await mediator.Send(new FileQuery(exportId) { TrialId = await TrialOfAsync(db, exportId, ct) }, ct);
                return TypedResults.Stream(file.Content, file.ContentType, file.FileName);
            })
            .WithName("GetExportFile")
            .WithSummary("The export's file (application/zip for csv, application/xml for odm); 410 once it has expired")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip", additionalContentTypes: "application/xml")
            .TrialRead().ProducesErrors(409, 410);
    }
}
