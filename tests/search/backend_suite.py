"""SearchBackendTests: the behaviour every search backend must show, written once (docs/architecture.md, "Adding a
search backend"). Subclasses provide `make_backend(tmp_path)`. The suite needs no database: it indexes IndexDoc
values directly."""

from datetime import date

import pytest

from search.indexdoc import IndexDoc, az_keys
from search.parser import query_from_text

SEE = ("g:1",)  # the caller: member of department 63's group
OTHER = "g:2"


def doc(
    doc_id,
    *pages,
    title="Dokument",
    department="63",
    principals=("g:1",),
    year=2020,
    document_type="Bescheid",
    aktenzeichen="63.10.02-2020/0001",
    unit="63.10.02",
    on=None,
):
    return IndexDoc(
        document_id=doc_id,
        akte_id=1,
        aktenzeichen=aktenzeichen,
        az_keys=az_keys(aktenzeichen),
        unit=unit,
        title=title,
        department=department,
        document_type=document_type,
        year=year,
        source=f"scan/{doc_id}.pdf",
        source_pages=None,
        pages=tuple((i, t) for i, t in enumerate(pages, 1)),
        principals=tuple(principals),
        date=on,
    )


CORPUS = [
    doc(1, "Der Gebührenbescheid für die Straßenreinigung wird zugestellt.", title="Gebührenbescheid"),
    doc(2, "Die Baugenehmigungen wurden erteilt. Die Rechnungen folgen getrennt.", title="Genehmigung"),
    doc(3, "Digitalisierung der Verwaltung im Bürgeramt", title="Konzept", document_type="Vermerk", year=2019),
    doc(
        4,
        "Der Glasfaserausbau im Gewerbegebiet beginnt im Mai.",
        title="Ausbau",
        department="32",
        aktenzeichen="32-2021/0007",
        unit="32",
        year=2021,
        principals=("g:1", "g:5"),
    ),
    doc(5, "Das Glasfasernetz der Stadt wird erweitert.", title="Netz"),
    doc(6, "Die Glasur der Keramik im Museum ist beschädigt.", title="Museum"),
    doc(7, "Ein Ausbau ist geplant. Das Netz fehlt.", title="Allgemein"),
    doc(
        8,
        "Geheimer Gebührenbescheid über die Glasfaser Strasse",
        title="Geheim",
        department="32",
        aktenzeichen="32-2021/0008",
        unit="32",
        principals=(OTHER,),
    ),
    doc(
        9,
        "Deckblatt",
        "Anlage: Kostenaufstellung",
        "Die Schlussrechnung für die Sanierung der Turnhalle.",
        title="Turnhalle",
    ),
    doc(10, "Die Gebuehrenordnung der Stadt gilt seit Jahren.", title="Satzung", document_type="Satzung", year=2018),
]


# A ten-document archive for compound search: every word below is written only inside compounds (except 9).
COMPOUNDS = [
    doc(1, "Der Kaufvertrag wurde notariell beurkundet.", title="Grundstück"),
    doc(2, "Die Arbeitsverträge der Saisonkräfte liegen bei.", title="Personal"),
    doc(3, "Die Frauenbeauftragte nimmt Stellung.", title="Gleichstellung"),
    doc(4, "Der Abwassergebührenbescheid für 2024 ist ergangen.", title="Abgaben"),
    doc(5, "Die Verwaltung stellt eine Bescheinigung aus; die Versicherung zahlt.", title="Allgemein"),
    doc(6, "Der Führerschein wurde eingezogen.", title="Fahrerlaubnis"),
    doc(7, "Die E-Akte ersetzt die Papierakte.", title="Digitalisierung"),
    doc(8, "Der Online-Dienst für das Straßenbauamt ist freigeschaltet.", title="Portal"),
    doc(9, "Der Vertrag ist unterschrieben.", title="Allgemein"),
    doc(10, "Die Bürger nutzen den Onlinedienst der Stadt.", title="Portal"),
]


class SearchBackendTests:
    def make_backend(self, tmp_path):
        raise NotImplementedError

    @pytest.fixture
    def backend(self, tmp_path):
        backend = self.make_backend(tmp_path)
        backend.clear()
        backend.upsert(CORPUS)
        return backend

    def search(self, backend, text, principals=SEE, **kwargs):
        query, _ = query_from_text(text, principals=principals, **kwargs)
        return backend.search(query)

    def ids(self, backend, text, principals=SEE, **kwargs):
        return {h["document_id"] for h in self.search(backend, text, principals, limit=50, **kwargs).hits}

    # -- German analysis -------------------------------------------------------------------------------
    def test_stemming_finds_plural_and_singular(self, backend):
        assert self.ids(backend, "Baugenehmigung") == {2}
        assert self.ids(backend, "Rechnung") == {2, 9}  # 9: Schlussrechnung, Rechnung as the last part
        assert 2 in self.ids(backend, "Rechnungen")

    def test_umlaut_transliteration_both_ways(self, backend):
        """`Gebuehrenbescheid` finds `Gebührenbescheid`, and `Gebührenordnung` finds `Gebuehrenordnung`."""
        assert self.ids(backend, "Gebuehrenbescheid") == {1}
        assert self.ids(backend, "Gebührenordnung") == {10}

    def test_sharp_s_folds_to_ss(self, backend):
        assert self.ids(backend, "Strassenreinigung") == {1}
        assert self.ids(backend, "Straßenreinigung") == {1}

    def test_stopwords_need_not_match(self, backend):
        assert self.ids(backend, "die Digitalisierung der") == {3}

    def test_typo_is_tolerated(self, backend):
        assert self.ids(backend, "Digitalisierng") == {3}

    def test_typo_in_the_ending_is_tolerated(self, backend):
        """The typo changes how the word stems; the unstemmed words still match within the distance."""
        assert self.ids(backend, "Baugenehmigungem") == {2}
        assert self.ids(backend, "Verwaltunk") == {3}

    def test_typo_hit_is_highlighted(self, backend):
        hit = self.search(backend, "Digitalisierng").hits[0]
        assert "<b>Digitalisierung</b>" in hit["snippet"]

    def test_compound_parts_find_the_compound(self, backend):
        """`Glasfaser` finds `Glasfaserausbau` and `Glasfasernetz`, never `Glasur` (not a compound of `Glas`)."""
        assert self.ids(backend, "Glasfaser") == {4, 5}
        assert 6 not in self.ids(backend, "Glas")

    def test_exact_word_ranks_above_compound(self, backend):
        backend.upsert([doc(11, "Die Glasfaser liegt im Graben.", title="Leitung")])
        hits = self.search(backend, "Glasfaser").hits
        assert hits[0]["document_id"] == 11

    # -- compound parts (ten-document archive: decompounding by the shipped lexicon, not the index) -------
    @pytest.fixture
    def compounds(self, tmp_path):
        backend = self.make_backend(tmp_path)
        backend.clear()
        backend.upsert(COMPOUNDS)
        return backend

    def test_last_part_of_a_compound(self, compounds):
        """The head: Vertrag in Kaufvertrag and Arbeitsverträge, Schein in Führerschein, Amt in Straßenbauamt."""
        assert self.ids(compounds, "Vertrag") == {1, 2, 9}
        assert self.ids(compounds, "Schein") == {6}
        assert self.ids(compounds, "Amt") == {8}

    def test_first_part_with_a_linking_element(self, compounds):
        """Arbeit-s-vertrag, Frau-en-beauftragte, Kauf-vertrag, Straße-n-bauamt."""
        assert self.ids(compounds, "Arbeit") == {2}
        assert self.ids(compounds, "Frau") == {3}
        assert self.ids(compounds, "Kauf") == {1}
        assert self.ids(compounds, "Straße") == {8}

    def test_middle_part(self, compounds):
        """Wasser and Gebühr in Abwassergebührenbescheid, Bau in Straßenbauamt, and runs of parts."""
        assert self.ids(compounds, "Wasser") == {4}
        assert self.ids(compounds, "Gebühr") == {4}
        assert self.ids(compounds, "Bau") == {8}
        assert self.ids(compounds, "Gebührenbescheid") == {4}
        assert self.ids(compounds, "Bauamt") == {8}

    def test_parts_inflected_as_the_query_is(self, compounds):
        """Plural and genitive queries find the part in its other form, and the other way round."""
        assert self.ids(compounds, "Verträge") == {1, 2, 9}
        assert self.ids(compounds, "Vertrages") == {1, 2, 9}
        assert self.ids(compounds, "Frauen") == {3}
        assert self.ids(compounds, "Gebühren") == {4}

    def test_parts_with_umlaut_folding_and_typos(self, compounds):
        assert self.ids(compounds, "Gebuehren") == {4}
        assert self.ids(compounds, "Strasse") == {8}
        assert self.ids(compounds, "Vertarg") == {1, 2, 9}  # one transposition
        assert self.ids(compounds, "Beauftragte") == {3}

    def test_hyphenated_compounds_count_both_ways(self, compounds):
        """E-Akte and Online-Dienst are two words and one compound: Onlinedienst finds Online-Dienst and back."""
        assert self.ids(compounds, "Akte") == {7}
        assert self.ids(compounds, "Dienst") == {8, 10}
        assert self.ids(compounds, "Onlinedienst") == {8, 10}
        assert self.ids(compounds, "Online-Dienst") == {8, 10}
        assert self.ids(compounds, "E-Akte") == {7}

    def test_ordinary_words_are_not_split(self, compounds):
        """Verwaltung, Bescheinigung and Versicherung hold no Walt, Schein or Sicher; no part under three letters."""
        assert self.ids(compounds, "Walt") == set()
        assert self.ids(compounds, "Schein") == {6}
        assert self.ids(compounds, "Sicher") == set()
        assert self.ids(compounds, "Wal") == set()
        assert self.ids(compounds, "Ab") == set()

    def test_exact_word_ranks_above_compound_part(self, compounds):
        hits = self.search(compounds, "Vertrag").hits
        assert hits[0]["document_id"] == 9

    def test_highlight_marks_the_part_inside_the_compound(self, compounds):
        snippets = {h["document_id"]: h["snippet"] for h in self.search(compounds, "Vertrag").hits}
        assert "Kauf<b>vertrag</b>" in snippets[1]
        assert "Arbeits<b>verträge</b>" in snippets[2]
        assert "<b>Vertrag</b> ist" in snippets[9]
        snippet = self.search(compounds, "Wasser").hits[0]["snippet"]
        assert "Ab<b>wasser</b>gebührenbescheid" in snippet
        snippets = {h["document_id"]: h["snippet"] for h in self.search(compounds, "Onlinedienst").hits}
        assert "<b>Online-Dienst</b>" in snippets[8] and "<b>Onlinedienst</b>" in snippets[10]

    # -- syntax ----------------------------------------------------------------------------------------
    def test_all_words_must_match(self, backend):
        assert self.ids(backend, "Glasfasernetz Stadt") == {5}
        assert self.ids(backend, "Glasfasernetz Gewerbegebiet") == set()

    def test_phrase_keeps_word_order(self, backend):
        assert self.ids(backend, '"Baugenehmigungen wurden erteilt"') == {2}
        assert self.ids(backend, '"erteilt wurden Baugenehmigungen"') == set()

    def test_exclusion(self, backend):
        assert self.ids(backend, "Stadt") == {5, 10}
        assert self.ids(backend, "Stadt -Glasfasernetz") == {10}

    def test_filters(self, backend):
        assert self.ids(backend, "Glasfaser dept:32") == {4}
        assert self.ids(backend, "Glasfaser az:32") == {4}
        assert self.ids(backend, "Glasfaser az:63.10") == {5}
        assert self.ids(backend, "Glasfaser year:2021") == {4}
        assert self.ids(backend, "Digitalisierung type:vermerk") == {3}
        assert self.ids(backend, "year:2018") == {10}

    def test_a_typed_aktenzeichen_finds_the_akte_documents(self, backend):
        """`32-2021/0007` as a plain word: the documents of that Akte (by their Aktenzeichen), like `az:`."""
        assert self.ids(backend, "32-2021/0007") == {4}
        assert self.ids(backend, "32-2021/0007 Glasfaserausbau") == {4}
        assert self.ids(backend, "63.10.02 Glasfaser") == {5}

    def test_filter_values_of_one_field_are_alternatives(self, backend):
        assert self.ids(backend, "year:2018 year:2019") == {3, 10}

    def test_syntax_error_still_searches_the_words(self, backend):
        query, errors = query_from_text('"Digitalisierung Verwaltung', principals=SEE)
        assert errors
        assert {h["document_id"] for h in backend.search(query).hits} == {3}
        assert self.ids(backend, "year:neunzehn Digitalisierung") == {3}

    # -- permissions -------------------------------------------------------------------------------------
    def test_permission_trims_hits_totals_and_facets(self, backend):
        result = self.search(backend, "Gebührenbescheid")
        assert result.total == 1 and [h["document_id"] for h in result.hits] == [1]
        assert result.facets["department"] == [{"value": "63", "count": 1}]
        assert self.ids(backend, "Gebührenbescheid", principals=(OTHER,)) == {8}

    def test_no_principals_no_results(self, backend):
        assert self.search(backend, "Gebührenbescheid", principals=()).total == 0

    def test_vocabulary_of_hidden_documents_does_not_change_the_query(self, backend):
        """A word only in a hidden document (`Strasse` in 8) counts as absent for the caller, so the typo rule
        still applies: the query's shape never depends on documents the caller cannot see."""
        backend.upsert([doc(12, "Die Verwaltung plant die Digitalisierung.", principals=(OTHER,))])
        backend.upsert([doc(13, "Digitalisierng mit Tippfehler", principals=(OTHER,))])
        assert self.ids(backend, "Digitalisierng") == {3}

    # -- results -----------------------------------------------------------------------------------------
    def test_hit_reports_page_of_best_hit_and_snippet(self, backend):
        hit = self.search(backend, "Schlussrechnung").hits[0]
        assert hit["document_id"] == 9 and hit["page"] == 3
        assert "<b>Schlussrechnung</b>" in hit["snippet"]
        assert hit["aktenzeichen"] == "63.10.02-2020/0001" and hit["source"] == "scan/9.pdf"

    def test_page_of_a_hit_deep_in_a_long_document(self, backend):
        """The snippet and page come from where the word really occurs, also after a look-alike (`Anbau` for
        `Bau`) earlier in the text."""
        filler = " ".join(["Allgemeine Ausführungen zum Verfahren ohne Bezug."] * 30)
        backend.upsert(
            [
                doc(
                    20,
                    filler + " Ein Anbau ist nicht geplant.",
                    filler,
                    filler + " Der Bau der Brücke beginnt 2025. " + filler,
                )
            ]
        )
        hit = self.search(backend, "Bau").hits[0]
        assert hit["document_id"] == 20 and hit["page"] == 3
        assert "<b>Bau</b> der Brücke" in hit["snippet"]
        hit = self.search(backend, "Brücke").hits[0]
        assert hit["page"] == 3 and "<b>Brücke</b>" in hit["snippet"]

    def test_snippet_is_html_escaped_except_the_marks(self, backend):
        """Snippets go into web pages as HTML: document text must never become markup."""
        backend.upsert([doc(21, 'Vermerk <script>alert(1)</script> & "Zitat" zur Ortsbesichtigung')])
        snippet = self.search(backend, "Ortsbesichtigung").hits[0]["snippet"]
        assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "&amp;" in snippet
        assert "<b>Ortsbesichtigung</b>" in snippet

    def test_facets_cover_department_unit_year_and_type(self, backend):
        facets = self.search(backend, "Glasfaser").facets
        assert {f["value"]: f["count"] for f in facets["department"]} == {"32": 1, "63": 1}
        assert {f["value"]: f["count"] for f in facets["unit"]} == {"32": 1, "63.10.02": 1}
        assert {f["value"]: f["count"] for f in facets["year"]} == {2021: 1, 2020: 1}
        assert {f["value"]: f["count"] for f in facets["document_type"]} == {"Bescheid": 2}

    # -- date range and sort ----------------------------------------------------------------------------
    @pytest.fixture
    def dated(self, backend):
        backend.upsert(
            [
                doc(31, "Bauvoranfrage Lindenstraße", on=date(2019, 12, 31)),
                doc(32, "Bauvoranfrage Gartenweg mit Bauvoranfrage Anlage", on=date(2020, 1, 1)),
                doc(33, "Bauvoranfrage Marktplatz", on=date(2021, 6, 15)),
                doc(34, "Bauvoranfrage ohne Datum"),
                doc(35, "Bauvoranfrage Nachbarn", on=date(2020, 3, 1), principals=(OTHER,)),
            ]
        )
        return backend

    def test_date_range_is_inclusive_and_leaves_out_undated_documents(self, dated):
        assert self.ids(dated, "Bauvoranfrage", date_from=date(2020, 1, 1)) == {32, 33}
        assert self.ids(dated, "Bauvoranfrage", date_to=date(2020, 1, 1)) == {31, 32}
        assert self.ids(dated, "Bauvoranfrage", date_from=date(2020, 1, 1), date_to=date(2020, 12, 31)) == {32}
        result = self.search(dated, "Bauvoranfrage", date_from=date(2020, 1, 1), date_to=date(2021, 12, 31))
        assert result.total == 2 and {f["value"] for f in result.facets["year"]} == {2020}  # 33 has year 2020 too
        assert self.ids(dated, "", date_from=date(2021, 1, 1)) == {33}  # a date range alone searches

    def test_sort_by_date_both_ways_undated_last(self, dated):
        def order(sort):
            return [h["document_id"] for h in self.search(dated, "Bauvoranfrage", sort=sort, limit=10).hits]

        assert order("date_desc") == [33, 32, 31, 34]
        assert order("date_asc") == [31, 32, 33, 34]
        assert order("relevance")[0] == 32  # the word twice
        second = self.search(dated, "Bauvoranfrage", sort="date_desc", limit=1, offset=1)
        assert second.total == 4 and [h["document_id"] for h in second.hits] == [32]

    def test_hits_carry_date_and_type(self, dated):
        hit = self.search(dated, "Marktplatz").hits[0]
        assert hit["date"] == "2021-06-15" and hit["document_type"] == "Bescheid"
        assert self.search(dated, "Datum").hits[0]["date"] is None

    def test_paging_keeps_the_total(self, backend):
        first = self.search(backend, "Stadt", limit=1)
        second = self.search(backend, "Stadt", limit=1, offset=1)
        assert first.total == second.total == 2
        assert first.hits[0]["document_id"] != second.hits[0]["document_id"]

    # -- writes ------------------------------------------------------------------------------------------
    def test_upsert_replaces_the_single_entry(self, backend):
        backend.upsert([doc(5, "Das Kupfernetz der Stadt", title="Netz")])
        assert self.ids(backend, "Glasfasernetz") == set()
        assert self.ids(backend, "Kupfernetz") == {5}
        assert backend.count() == len(CORPUS)

    def test_remove(self, backend):
        backend.remove([5, 4])
        assert self.ids(backend, "Glasfaser") == set()
        assert backend.count() == len(CORPUS) - 2

    def test_stamps_list_every_entry_in_id_order(self, backend):
        stamps = list(backend.stamps(batch_size=3))
        assert [d for d, _ in stamps] == sorted(d.document_id for d in CORPUS)
        assert dict(stamps)[5] == CORPUS[4].stamp

    def test_rebuild_builds_a_new_generation_and_swaps(self, backend):
        backend.rebuild_begin(generation="gen-test")
        backend.rebuild_write("gen-test", [doc(100, "Neu aufgebaut")])
        assert self.ids(backend, "aufgebaut") == set()  # the live index is untouched until the swap
        backend.rebuild_finish("gen-test")
        assert self.ids(backend, "aufgebaut") == {100}
        assert backend.count() == 1
