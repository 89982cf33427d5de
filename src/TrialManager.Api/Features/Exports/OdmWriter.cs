using System.Globalization;
using System.Text;
using System.Xml;
using static TrialManager.Api.Features.Exports.OdmXml;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// Writes an extract as one CDISC ODM 1.3.2 snapshot (metadata and clinical data), streamed: the XmlWriter flushes as it
/// goes and only the design (instruments, timepoints, arms) is held in memory, never the rows.
/// </summary>
/// <remarks>
/// Each participant is one SubjectData: an enrolment event whose participant form carries cluster, site, arm, kind and
/// status (ODM has no subject-level items, and SiteRef would need AdminData locations), then one StudyEventData per
/// timepoint with one FormData per assessment. Participants and assessments are merged as they stream, so
/// <c>participants</c> must come in the same participant order as <c>assessments</c> (by external id); an assessment
/// that is left over (out of order, or of a participant not in the extract) fails the export rather than being lost.
/// Missing-data codes (e.g. −99 refused) are written as their values: they say why an answer is missing, which an
/// analyst needs; every ItemDef describes its codes and each choice code list includes them. Unanswered items and
/// scales the server could not score have no ItemData. Clusters are written as the code list of the cluster item.
/// </remarks>
public static class OdmWriter
{
    public static async Task WriteAsync(Stream output, ExtractHeader header, IAsyncEnumerable<ExtractParticipant> participants,
        IAsyncEnumerable<ExtractCluster> clusters, IAsyncEnumerable<ExtractAssessment> assessments, CancellationToken ct)
    {
        var design = OdmDesign.From(header);
        var settings = new XmlWriterSettings
        {
            Async = true,
            Encoding = new UTF8Encoding(false),
            Indent = true,
            CloseOutput = false,
        };
        // Disposed only on success: disposing closes every open element, which would turn an export that failed half-way
        // into a well-formed, schema-valid file that silently lacks participants.
        var w = XmlWriter.Create(output, settings);
        await WriteDocumentAsync(w, design, participants, clusters, assessments, ct);
        await w.DisposeAsync();
    }

    private static async Task WriteDocumentAsync(XmlWriter w, OdmDesign design, IAsyncEnumerable<ExtractParticipant> participants,
        IAsyncEnumerable<ExtractCluster> clusters, IAsyncEnumerable<ExtractAssessment> assessments, CancellationToken ct)
    {
        var header = design.Header;
        await w.WriteStartDocumentAsync();
        await StartAsync(w, "ODM");
        await AttributeAsync(w, "FileType", "Snapshot");
        await AttributeAsync(w, "Granularity", "All");
        await AttributeAsync(w, "FileOID", string.Create(CultureInfo.InvariantCulture,
            $"TM.{header.TrialCode}.{(header.Blinded ? "BLINDED" : "UNBLINDED")}.{header.CreatedAt.UtcDateTime:yyyyMMddHHmmssfff}"));
        await AttributeAsync(w, "CreationDateTime", header.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        await AttributeAsync(w, "ODMVersion", "1.3.2");
        await AttributeAsync(w, "Originator", "TrialManager");
        await AttributeAsync(w, "SourceSystem", "TrialManager");
        await AttributeAsync(w, "Description",
            $"{(header.Blinded ? "Blinded" : "Unblinded")} extract of trial {header.TrialCode}, requested by {header.RequestedBy}");

        await using (var clusterCursor = clusters.GetAsyncEnumerator(ct))
        {
            // The cluster item refers to the code list only if there is one to refer to (a code list needs an entry).
            var anyCluster = await clusterCursor.MoveNextAsync();
            await OdmMetadata.WriteStudyAsync(w, design, clusterCursor, anyCluster);
        }

        await StartAsync(w, "ClinicalData");
        await AttributeAsync(w, "StudyOID", design.StudyOid);
        await AttributeAsync(w, "MetaDataVersionOID", design.MetaDataVersionOid);
        await WriteSubjectsAsync(w, design, participants, assessments, ct);
        await EndAsync(w);

        await EndAsync(w);
        await w.WriteEndDocumentAsync();
        await w.FlushAsync();
    }

    private static async Task WriteSubjectsAsync(XmlWriter w, OdmDesign design, IAsyncEnumerable<ExtractParticipant> participants,
        IAsyncEnumerable<ExtractAssessment> assessments, CancellationToken ct)
    {
        var arms = design.Header.Arms.Select(a => a.Code).ToHashSet(StringComparer.Ordinal);
        await using var cursor = assessments.GetAsyncEnumerator(ct);
        var next = await cursor.MoveNextAsync() ? cursor.Current : null;
        await foreach (var participant in participants.WithCancellation(ct))
        {
            // In a blinded extract this is the guard that no real arm code reaches the file through a participant row.
            if (participant.Arm is not null && !arms.Contains(participant.Arm))
            {
                throw new InvalidOperationException($"Participant '{participant.ExternalId}' has an arm that is not among the extract's arms.");
            }
            await StartAsync(w, "SubjectData");
            await AttributeAsync(w, "SubjectKey", participant.ExternalId);
            await WriteEnrolmentAsync(w, participant);

            // A participant's assessments are few; remembering them catches rows that are not grouped by timepoint, which
            // would otherwise write a second StudyEventData (or FormData) that no reader expects.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            string? timepoint = null;
            while (next is not null && next.ParticipantExternalId == participant.ExternalId)
            {
                var form = design.Form(next.InstrumentCode, next.InstrumentVersion);
                if (next.TimepointCode != timepoint)
                {
                    if (timepoint is not null)
                    {
                        await EndAsync(w);
                    }
                    timepoint = next.TimepointCode;
                    var eventOid = design.EventOid(timepoint);
                    Require(seen.Add(eventOid), participant, $"timepoint '{timepoint}' comes twice, apart: assessments must be grouped by timepoint");
                    await StartAsync(w, "StudyEventData");
                    await AttributeAsync(w, "StudyEventOID", eventOid);
                }
                Require(seen.Add($"{timepoint}\u0000{form.Oid}"), participant,
                    $"instrument '{next.InstrumentCode}' version {next.InstrumentVersion} is assessed twice at timepoint '{timepoint}'");
                await WriteAssessmentAsync(w, form, next);
                next = await cursor.MoveNextAsync() ? cursor.Current : null;
            }
            if (timepoint is not null)
            {
                await EndAsync(w);
            }
            await EndAsync(w);
        }
        if (next is not null)
        {
            throw new InvalidOperationException(
                $"An assessment of participant '{next.ParticipantExternalId}' does not follow that participant's row: participants and assessments must come in the same participant order, and every assessment must belong to a participant of the extract.");
        }
    }

    private static void Require(bool condition, ExtractParticipant participant, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Participant '{participant.ExternalId}': {problem}.");
        }
    }

    private static async Task WriteEnrolmentAsync(XmlWriter w, ExtractParticipant participant)
    {
        await StartAsync(w, "StudyEventData");
        await AttributeAsync(w, "StudyEventOID", OdmDesign.EnrolmentEventOid);
        await StartAsync(w, "FormData");
        await AttributeAsync(w, "FormOID", OdmDesign.ParticipantFormOid);
        await StartAsync(w, "ItemGroupData");
        await AttributeAsync(w, "ItemGroupOID", OdmDesign.ParticipantGroupOid);
        await ItemDataAsync(w, OdmDesign.ClusterOid, participant.ClusterCode);
        await ItemDataAsync(w, OdmDesign.SiteOid, participant.SiteCode);
        if (participant.Arm is not null)
        {
            await ItemDataAsync(w, OdmDesign.ArmOid, participant.Arm);
        }
        await ItemDataAsync(w, OdmDesign.KindOid, participant.Kind);
        await ItemDataAsync(w, OdmDesign.ConsentDateOid, Date(participant.ConsentDate));
        await ItemDataAsync(w, OdmDesign.BaselineDateOid, Date(participant.BaselineDate));
        await ItemDataAsync(w, OdmDesign.StatusOid, participant.Status);
        if (participant.StatusDate is { } statusDate)
        {
            await ItemDataAsync(w, OdmDesign.StatusDateOid, Date(statusDate));
        }
        await EndAsync(w);
        await EndAsync(w);
        await EndAsync(w);
    }

    private static async Task WriteAssessmentAsync(XmlWriter w, OdmForm form, ExtractAssessment assessment)
    {
        await StartAsync(w, "FormData");
        await AttributeAsync(w, "FormOID", form.Oid);

        await StartAsync(w, "ItemGroupData");
        await AttributeAsync(w, "ItemGroupOID", OdmDesign.AssessmentGroupOid);
        await ItemDataAsync(w, OdmDesign.AssessedOnOid, Date(assessment.AssessedOn));
        await ItemDataAsync(w, OdmDesign.AssessmentStatusOid, assessment.Status);
        await ItemDataAsync(w, OdmDesign.OutOfWindowOid, assessment.OutOfWindow ? "true" : "false");
        await ItemDataAsync(w, OdmDesign.DaysOutOfWindowOid, assessment.DaysOutOfWindow.ToString(CultureInfo.InvariantCulture));
        await EndAsync(w);

        // Items and scores follow the instrument's order; answers to items it does not define are not part of the design.
        var answered = form.Items
            .Select(i => (i.Oid, Value: assessment.Answers.TryGetValue(i.Code, out var a) ? Answer(a) : null))
            .Where(i => i.Value is not null)
            .ToList();
        await WriteGroupAsync(w, form.ItemsGroupOid, answered);

        var scored = form.Scores
            .Select(s => (s.Oid, Value: assessment.Scores.TryGetValue(s.Code, out var score) && score is { } v ? Number(v) : null))
            .Where(s => s.Value is not null)
            .ToList();
        await WriteGroupAsync(w, form.ScoresGroupOid, scored);

        await EndAsync(w);
    }

    private static async Task WriteGroupAsync(XmlWriter w, string groupOid, List<(string Oid, string? Value)> values)
    {
        if (values.Count == 0)
        {
            return;
        }
        await StartAsync(w, "ItemGroupData");
        await AttributeAsync(w, "ItemGroupOID", groupOid);
        foreach (var (oid, value) in values)
        {
            await ItemDataAsync(w, oid, value!);
        }
        await EndAsync(w);
    }
}
