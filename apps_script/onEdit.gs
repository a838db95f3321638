/**
 * TTR Gestion — synchronisation en quasi temps réel (facultatif).
 *
 * Installé comme UN SEUL déclencheur installable « au changement » (onChange) sur la Google Sheet de
 * l'entreprise, ce script appelle la fonction de synchronisation (sync_http) quelques secondes après qu'une
 * personne a modifié la feuille : le Journal n'attend plus la synchronisation planifiée (toutes les 5 minutes).
 * Pourquoi onChange seul : il se déclenche pour une cellule modifiée ET pour les lignes insérées, supprimées
 * ou triées ; installer aussi onEdit ferait tourner le script deux fois par modification.
 *
 * Réglages (Extensions → Apps Script → Paramètres du projet → Propriétés du script), jamais dans le code :
 *   TTR_SYNC_URL    l'adresse de sync_http affichée par deploy.sh (https://ttr-sync-http-….run.app)
 *   TTR_SYNC_TOKEN  le jeton : gcloud secrets versions access latest --secret=TTR_SYNC_TOKEN --project=…
 *
 * Puis lancez une fois ttrInstall() depuis l'éditeur : il supprime les déclencheurs de ce script déjà
 * installés (y compris l'ancien couple onEdit + onChange) et crée le seul déclencheur onChange. Lancez
 * ensuite ttrTest() pour essayer (200 attendu). Guide pas à pas : docs/DEPLOY.md, « Synchronisation en
 * quasi temps réel ».
 *
 * Changement du jeton (rotation, voir docs/DEPLOY.md) : le jeton est relu dans les propriétés à chaque
 * appel, jamais gardé en mémoire ; pendant la rotation, sync_http accepte l'ancien et le nouveau jeton
 * (TTR_SYNC_TOKEN = « nouveau,ancien »), puis collez le nouveau dans TTR_SYNC_TOKEN ici. Un jeton refusé
 * (401) est signalé une fois par appel dans les journaux d'exécution, avec ce qu'il faut faire.
 *
 * L'appel nomme la feuille (son identifiant) : avec plusieurs espaces de travail, sync_http synchronise
 * l'espace de cette feuille, avec le jeton de cet espace.
 *
 * L'appel dit qui a modifié la feuille en dernier (l'adresse de la personne, quand Google la donne) :
 * le Journal l'inscrit comme acteur au lieu de deviner d'après l'historique des versions.
 *
 * Anti-rafale : une rafale de modifications (un collage, dix cellules tapées d'affilée) donne un seul
 * appel. Chaque modification note son heure dans le cache ; une seule exécution à la fois (verrou du
 * script) attend QUIET_MS de calme, appelle la synchronisation, et recommence si d'autres modifications
 * sont arrivées pendant l'appel. Les modifications faites par la synchronisation elle-même (par l'API) ne
 * déclenchent pas onEdit : pas de boucle.
 */

var QUIET_MS = 3000;       // calme attendu après la dernière modification
var MAX_WAIT_MS = 30000;   // jamais plus de 30 s d'attente avant un appel
var MAX_ROUNDS = 3;        // appels au plus par exécution
var LAST_EDIT_KEY = 'ttr_last_edit';
var LAST_EDITOR_KEY = 'ttr_last_editor';
var HANDLER = 'ttrOnEdit';

/** Le déclencheur installable (onChange) : note la modification et son auteur, puis synchronise si personne ne le fait. */
function ttrOnEdit(e) {
  var cache = CacheService.getScriptCache();
  cache.put(LAST_EDIT_KEY, String(Date.now()), 600);
  var editor = editorOf_(e);
  if (editor) {
    cache.put(LAST_EDITOR_KEY, editor, 600);
  }
  var lock = LockService.getScriptLock();
  if (!lock.tryLock(2000)) {
    return; // une autre exécution est en cours : elle verra cette modification dans le cache
  }
  try {
    for (var round = 0; round < MAX_ROUNDS; round++) {
      waitForQuiet_(cache);
      var startedAt = Date.now();
      ttrCallSync_();
      if (lastEdit_(cache) < startedAt) {
        return; // rien de nouveau pendant l'appel
      }
    }
  } finally {
    lock.releaseLock();
  }
}

/** L'adresse de la personne qui a modifié (e.user), ou '' quand Google ne la donne pas. */
function editorOf_(e) {
  try {
    var user = e && e.user;
    var email = user && (typeof user.getEmail === 'function' ? user.getEmail() : user.email);
    return email ? String(email).slice(0, 120) : '';
  } catch (err) {
    return '';
  }
}

function lastEdit_(cache) {
  return Number(cache.get(LAST_EDIT_KEY) || 0);
}

function waitForQuiet_(cache) {
  var deadline = Date.now() + MAX_WAIT_MS;
  while (Date.now() < deadline) {
    var quietFor = Date.now() - lastEdit_(cache);
    if (quietFor >= QUIET_MS) {
      return;
    }
    Utilities.sleep(Math.min(QUIET_MS - quietFor, deadline - Date.now()) + 50);
  }
}

/** Un appel POST à sync_http avec l'en-tête X-TTR-Token ; le jeton n'est jamais écrit dans les journaux. */
function ttrCallSync_() {
  var props = PropertiesService.getScriptProperties();
  var url = props.getProperty('TTR_SYNC_URL');
  var token = props.getProperty('TTR_SYNC_TOKEN');
  if (!url || !token) {
    console.warn('TTR : renseignez TTR_SYNC_URL et TTR_SYNC_TOKEN dans les propriétés du script.');
    return null;
  }
  var editor = CacheService.getScriptCache().get(LAST_EDITOR_KEY) || '';
  var response = UrlFetchApp.fetch(url, {
    method: 'post',
    contentType: 'application/json',
    payload: JSON.stringify({source: 'apps-script', classeur: SpreadsheetApp.getActive().getId(), editeur: editor}),
    headers: {'X-TTR-Token': token},
    muteHttpExceptions: true,
    followRedirects: false
  });
  var status = response.getResponseCode();
  if (status === 401) {
    console.warn('TTR : la synchronisation a répondu 401 : jeton refusé. Le jeton a sans doute changé : collez ' +
                 'le nouveau dans la propriété TTR_SYNC_TOKEN (gcloud secrets versions access latest ' +
                 '--secret=TTR_SYNC_TOKEN).');
  } else if (status !== 200) {
    console.warn('TTR : la synchronisation a répondu ' + status + ' : ' + response.getContentText().slice(0, 300));
  }
  return status;
}

/** À lancer une fois depuis l'éditeur : un seul déclencheur onChange, les anciens (onEdit compris) supprimés. */
function ttrInstall() {
  var sheet = SpreadsheetApp.getActive();
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    if (trigger.getHandlerFunction() === HANDLER) {
      ScriptApp.deleteTrigger(trigger);
    }
  });
  ScriptApp.newTrigger(HANDLER).forSpreadsheet(sheet).onChange().create();
  console.log('TTR : déclencheur « au changement » installé pour « ' + sheet.getName() + ' » (un seul).');
}

/** À lancer depuis l'éditeur pour vérifier l'adresse et le jeton : affiche le code de réponse (200 attendu). */
function ttrTest() {
  console.log('TTR : réponse ' + ttrCallSync_());
}
